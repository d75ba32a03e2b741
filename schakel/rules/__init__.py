"""Share check ("Mag ik dit delen?"): the Handreiking as executable, versioned rules.

Guarantees (checked when the rules load and by ``tests/rules``):

* every ``allowed`` / ``allowed_with_conditions`` answer cites at least one ground,
  every ``allowed_with_conditions`` lists conditions, every ``not_allowed`` offers an
  alternative, and anonymised information is allowed on ``AVG overweging 26``;
* ``need_more_information`` lists in ``missing`` exactly the unknown facts whose
  value changes the decision (computed by evaluating every possible value);
* every answer carries the ``ruleset_version`` (semver + content hash) that decided
  it, and rules apply only within their validity dates (``as_at``).

The law lives in ``schakel/rules/nl/*.yaml``; this package holds only the mechanism.
"""

from schakel.rules._api import (
    check,
    evaluate,
    parse_question,
    parse_questions,
    relevant_fields,
    rules_for,
)
from schakel.rules._errors import InvalidQuestion, InvalidRuleset
from schakel.rules._evaluator import Outcome, World
from schakel.rules._loader import load_ruleset, load_ruleset_from
from schakel.rules._model import Rule, Ruleset
from schakel.rules._scenarios import Scenario, load_scenarios, scenario_coverage
from schakel.rules._schema import (
    Alternative,
    Answer,
    Condition,
    Decision,
    Ground,
    Question,
)

__all__ = [
    "Alternative",
    "Answer",
    "Condition",
    "Decision",
    "Ground",
    "InvalidQuestion",
    "InvalidRuleset",
    "Outcome",
    "Question",
    "Rule",
    "Ruleset",
    "Scenario",
    "World",
    "check",
    "evaluate",
    "load_ruleset",
    "load_ruleset_from",
    "load_scenarios",
    "parse_question",
    "parse_questions",
    "relevant_fields",
    "rules_for",
    "scenario_coverage",
]
