"""Invariants of the evaluator for every generated question (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from itertools import product

from hypothesis import given, settings

from schakel.rules import Decision, Question, check, relevant_fields
from schakel.vocabulary import Consent
from tests.rules.factory import questions

DAY = dt.date(2026, 1, 15)
UNKNOWABLE: dict[str, list[object]] = {
    "subject_minor": [True, False],
    "consent": list(Consent),
    "professional_secrecy": [True, False],
    "serious_danger": [True, False],
}


def _completions(q: Question) -> list[tuple[dict[str, object], Decision]]:
    """Every way to fill in the unknown facts, with the decision it gets."""
    unknown = [f for f in UNKNOWABLE if getattr(q, f) is None]
    out = []
    for values in product(*(UNKNOWABLE[f] for f in unknown)):
        filled = dict(zip(unknown, values, strict=True))
        answer = check(q.model_copy(update=filled), as_at=DAY)
        out.append((filled, answer.decision))
    return out


@settings(max_examples=300, deadline=None)
@given(questions())
def test_answer_invariants(q: Question) -> None:
    a = check(q, as_at=DAY)
    if a.decision in (Decision.ALLOWED, Decision.ALLOWED_WITH_CONDITIONS):
        assert a.grounds
    if a.decision is Decision.ALLOWED_WITH_CONDITIONS:
        assert a.conditions
    if a.decision is Decision.ALLOWED:
        assert not a.conditions
    if a.decision is Decision.NOT_ALLOWED:
        assert a.alternatives
    if a.decision is Decision.NEED_MORE_INFORMATION:
        assert a.missing
    else:
        assert not a.missing
    assert all(getattr(q, f) is None for f in a.missing)
    if q.anonymised:
        assert a.decision is Decision.ALLOWED
        assert [g.citation for g in a.grounds] == ["AVG overweging 26"]
    assert a.explanation_nl.strip()
    assert a.ruleset_version in a.explanation_nl


@settings(max_examples=200, deadline=None)
@given(questions())
def test_answers_are_deterministic(q: Question) -> None:
    first = check(q, as_at=DAY).model_dump(mode="json")
    again = check(Question.model_validate(q.model_dump()), as_at=DAY)
    assert again.model_dump(mode="json") == first


@settings(max_examples=200, deadline=None)
@given(questions())
def test_missing_is_exactly_the_facts_that_change_the_decision(q: Question) -> None:
    a = check(q, as_at=DAY)
    completions = _completions(q)
    decisions = {d for _, d in completions}
    if a.decision is Decision.NEED_MORE_INFORMATION:
        assert len(decisions) > 1
    else:
        assert decisions == {a.decision}
    unknown = [f for f in UNKNOWABLE if getattr(q, f) is None]
    for field in unknown:
        # Does changing only this fact ever change the decision?
        groups: dict[tuple[object, ...], set[Decision]] = {}
        for filled, decision in completions:
            rest = tuple(v for k, v in filled.items() if k != field)
            groups.setdefault(rest, set()).add(decision)
        changes = any(len(ds) > 1 for ds in groups.values())
        assert (field in a.missing) == changes, field
    assert relevant_fields(q, as_at=DAY) == list(a.missing)


@settings(max_examples=100, deadline=None)
@given(questions())
def test_answering_a_missing_fact_never_reintroduces_it(q: Question) -> None:
    a = check(q, as_at=DAY)
    for field in a.missing:
        for value in UNKNOWABLE[field]:
            follow = check(q.model_copy(update={field: value}), as_at=DAY)
            assert field not in follow.missing
            assert set(follow.missing) <= set(a.missing)
