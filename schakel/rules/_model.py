"""The validated, immutable rule set that the evaluator runs.

Built only by ``_loader.load_ruleset``; every reference in it is resolved, so the
evaluator never meets an unknown value or a dangling id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from schakel.rules._schema import Alternative, Condition, Decision, Ground

#: Operators of a field test: ``in`` for one-valued fields, the rest for ``data``.
Op = Literal["in", "any", "all", "none", "only"]

#: Question fields whose value may be unknown (null) and so may be ``missing``.
#: ``covenant`` is not here: the contract reads null as "none or unknown", and a
#: null covenant is evaluated as "no covenant" (a covenant route shows up as an
#: alternative instead).
UNKNOWABLE: tuple[str, ...] = (
    "subject_minor",
    "consent",
    "professional_secrecy",
    "serious_danger",
)

#: Question field order, used to sort ``missing`` and to dump rules.
FIELD_ORDER: tuple[str, ...] = (
    "sender",
    "recipient",
    "purpose",
    "data",
    "subject",
    "subject_minor",
    "consent",
    "professional_secrecy",
    "serious_danger",
    "covenant",
    "anonymised",
)


@dataclass(frozen=True, slots=True)
class FieldTest:
    """One resolved clause of a rule's ``when``: ``field`` ``op`` ``values``.

    Values are strings: vocabulary values, ``"true"``/``"false"`` for booleans and
    ``"none"`` for an absent covenant.
    """

    field: str
    op: Op
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule with its provenance and resolved effect."""

    id: str
    kind: Literal["decision", "supplement"]
    priority: int
    citation: str
    text_nl: str
    valid_from: dt.date
    valid_until: dt.date | None
    file: str
    position: int
    when: tuple[FieldTest, ...]
    decision: Decision | None
    grounds: tuple[Ground, ...]
    conditions: tuple[Condition, ...]
    alternatives: tuple[Alternative, ...]
    applies_to: frozenset[Decision]

    def valid_on(self, day: dt.date) -> bool:
        """Whether the rule is in force on ``day`` (both ends inclusive)."""
        return self.valid_from <= day and (
            self.valid_until is None or day <= self.valid_until
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form, for ``schakel rules dump`` and the rules page."""
        when: dict[str, Any] = {}
        for test in self.when:
            values = sorted(test.values)
            when[test.field] = values if test.op == "in" else {test.op: values}
        return {
            "id": self.id,
            "kind": self.kind,
            "priority": self.priority,
            "citation": self.citation,
            "text_nl": self.text_nl,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "file": self.file,
            "when": when,
            "decision": self.decision.value if self.decision else None,
            "grounds": [g.id for g in self.grounds],
            "conditions": [c.id for c in self.conditions],
            "alternatives": [a.id for a in self.alternatives],
            "applies_to": sorted(d.value for d in self.applies_to),
        }


@dataclass(frozen=True)
class Ruleset:
    """A complete, validated rule set.

    ``rules`` is in precedence order: higher ``priority`` first, then file order,
    then position in the file. ``version`` is ``semver+sha256:<8 hex>`` over the
    bytes of every file, so any edit gives a new version.
    """

    name: str
    semver: str
    content_hash: str
    rules: tuple[Rule, ...]
    grounds: Mapping[str, Ground]
    conditions: Mapping[str, Condition]
    alternatives: Mapping[str, Alternative]
    groups: Mapping[str, frozenset[str]]
    assume_when_unknown: Mapping[str, str]
    questions_nl: Mapping[str, str]
    decisions_nl: Mapping[Decision, str]
    files: tuple[str, ...]
    #: First day on which every question gets a decision (the catch-all's start).
    starts: dt.date
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def version(self) -> str:
        return f"{self.semver}+sha256:{self.content_hash}"

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (``KeyError`` if there is none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def rules_in_force(self, day: dt.date) -> tuple[Rule, ...]:
        """The rules valid on ``day``, in precedence order."""
        return tuple(r for r in self.rules if r.valid_on(day))

    def dump(self) -> dict[str, Any]:
        """The whole rule set as plain JSON (``schakel rules dump``)."""
        return {
            "name": self.name,
            "version": self.version,
            "files": list(self.files),
            "assume_when_unknown": dict(self.assume_when_unknown),
            "questions_nl": dict(self.questions_nl),
            "decisions_nl": {d.value: t for d, t in self.decisions_nl.items()},
            "groups": {k: sorted(v) for k, v in self.groups.items()},
            "grounds": [g.model_dump() for g in self.grounds.values()],
            "conditions": [c.model_dump() for c in self.conditions.values()],
            "alternatives": [a.model_dump() for a in self.alternatives.values()],
            "rules": [r.to_dict() for r in self.rules],
        }
