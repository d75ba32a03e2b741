"""One runner for every scenario in ``schakel/rules/nl/scenarios/*.yaml``."""

from __future__ import annotations

import pytest

from schakel.rules import Decision, check, load_ruleset
from schakel.vocabulary import DataCategory, OrgType, Purpose
from tests.rules.factory import Scenario, load_scenarios, scenario_coverage

SCENARIOS = load_scenarios()


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(sc: Scenario) -> None:
    answer = check(sc.question, as_at=sc.as_at)
    exp = sc.expect
    assert answer.decision == exp["decision"], answer.explanation_nl
    ground_ids = {g.id for g in answer.grounds}
    assert set(exp.get("grounds", [])) <= ground_ids, answer.explanation_nl
    assert not set(exp.get("absent_grounds", [])) & ground_ids
    assert set(exp.get("conditions", [])) <= {c.id for c in answer.conditions}
    assert set(exp.get("alternatives", [])) <= {a.id for a in answer.alternatives}
    assert set(answer.missing) == set(exp["missing"])


def test_at_least_sixty_scenarios() -> None:
    assert len(SCENARIOS) >= 60
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)


def test_scenarios_cover_the_vocabulary() -> None:
    senders = {s.question["sender"] for s in SCENARIOS}
    recipients = {s.question["recipient"] for s in SCENARIOS}
    purposes = {s.question["purpose"] for s in SCENARIOS}
    data = {d for s in SCENARIOS for d in s.question["data"]}
    assert senders == set(OrgType)
    assert recipients == set(OrgType)
    assert purposes == set(Purpose)
    assert data == set(DataCategory)
    decisions = {s.expect["decision"] for s in SCENARIOS}
    assert decisions == set(Decision)


def test_scenarios_cover_the_hard_combinations() -> None:
    qs = [s.question for s in SCENARIOS]
    assert any(q.get("anonymised") for q in qs)
    assert any(q.get("subject_minor") for q in qs)
    assert {q.get("covenant") for q in qs} >= {
        "riec",
        "zorg_en_veiligheidshuis",
        "other",
    }
    combos = {
        (q.get("consent"), q.get("professional_secrecy"), q.get("serious_danger"))
        for q in qs
    }
    assert ("refused", True, True) in combos
    assert ("refused", True, False) in combos
    assert ("given", True, None) in combos


def test_every_decision_rule_decides_some_scenario() -> None:
    """Each decision rule has a scenario where it decides (the rules page shows it)."""
    coverage = scenario_coverage()
    ruleset = load_ruleset()
    uncovered = [
        r.id for r in ruleset.rules if r.kind == "decision" and r.id not in coverage
    ]
    assert uncovered == []


def test_every_rule_file_has_allowing_and_refusing_scenarios() -> None:
    coverage = scenario_coverage()
    ruleset = load_ruleset()
    by_file: dict[str, set[str]] = {}
    for rule in ruleset.rules:
        if rule.kind == "decision" and rule.id in coverage and rule.decision:
            by_file.setdefault(rule.file, set()).add(rule.decision.value)
    for file, decisions in by_file.items():
        if file in ("60-zorg.yaml", "40-samenwerkingsverbanden.yaml"):
            continue
        assert "not_allowed" in decisions and len(decisions) > 1, file
