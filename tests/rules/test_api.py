"""The Python API: question validation, answer shape, public surface."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from typing import Any

import pytest

import schakel.rules
from schakel.errors import InvalidInput
from schakel.rules import (
    Answer,
    InvalidQuestion,
    Question,
    check,
    load_ruleset,
    parse_question,
    parse_questions,
    relevant_fields,
)

Q = {
    "sender": "police",
    "recipient": "public_prosecutor",
    "purpose": "prosecution",
    "data": ["identifying", "police_data"],
    "subject": "possible_perpetrator",
}


def test_public_surface_is_sorted_and_importable() -> None:
    names = schakel.rules.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(schakel.rules, name) is not None


def test_core_does_not_import_web_or_database() -> None:
    code = (
        "import sys, schakel.rules; "
        "bad = [m for m in ('sqlalchemy', 'fastapi', 'typer') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_answer_serialises_to_exactly_the_contract_fields() -> None:
    dumped = check(Q).model_dump(mode="json")
    assert set(dumped) == {
        "decision",
        "grounds",
        "conditions",
        "missing",
        "alternatives",
        "explanation_nl",
        "ruleset_version",
    }
    assert isinstance(dumped["grounds"], list)
    assert set(dumped["grounds"][0]) == {"id", "citation", "text_nl"}
    assert dumped["ruleset_version"] == load_ruleset().version
    assert Answer.model_validate(dumped).decision == dumped["decision"]


def test_check_accepts_model_or_mapping() -> None:
    day = dt.date(2026, 1, 15)
    assert check(Question.model_validate(Q), as_at=day) == check(Q, as_at=day)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"sender": "bakery"}, ["sender", "bakery", "municipality", "ngo"]),
        ({"purpose": "fun"}, ["purpose", "fun", "investigation", "research"]),
        ({"data": ["dna"]}, ["data[0]", "dna", "residence_status"]),
        ({"data": []}, ["data", "minstens één"]),
        ({"data": "identifying"}, ["data", "lijst"]),
        ({"consent": "maybe"}, ["consent", "maybe", "given", "refused", "not_asked"]),
        ({"covenant": "club"}, ["covenant", "riec", "other"]),
        ({"subject_minor": "yes"}, ["subject_minor", "true, false of null"]),
        ({"anonymised": None}, ["anonymised"]),
        ({"colour": "red"}, ["colour", "onbekend veld", "professional_secrecy"]),
    ],
)
def test_invalid_question_names_field_and_allowed_values(
    change: dict[str, Any], words: list[str]
) -> None:
    with pytest.raises(InvalidQuestion) as info:
        parse_question({**Q, **change})
    assert isinstance(info.value, InvalidInput)
    for word in words:
        assert word in str(info.value)


def test_missing_required_field_is_named() -> None:
    raw = {k: v for k, v in Q.items() if k != "purpose"}
    with pytest.raises(InvalidQuestion, match="'purpose'.*ontbreekt"):
        check(raw)


def test_array_errors_name_the_index() -> None:
    with pytest.raises(InvalidQuestion, match=r"vraag \[1\], veld 'sender'"):
        parse_questions([Q, {**Q, "sender": "bakery"}])
    with pytest.raises(InvalidQuestion, match=r"vraag \[0\]: moet een JSON-object"):
        parse_questions(["police"])
    with pytest.raises(InvalidQuestion, match="leeg"):
        parse_questions([])
    assert len(parse_questions(Q)) == 1


def test_relevant_fields_guides_the_wizard() -> None:
    """Asking only what matters, answer by answer, ends in a decision."""
    q: dict[str, Any] = {
        "sender": "social_support",
        "recipient": "police",
        "purpose": "investigation",
        "data": ["identifying"],
        "subject": "possible_perpetrator",
    }
    day = dt.date(2026, 1, 15)
    assert relevant_fields(q, as_at=day) == [
        "consent",
        "professional_secrecy",
        "serious_danger",
    ]
    q["professional_secrecy"] = False
    assert relevant_fields(q, as_at=day) == []
    assert check(q, as_at=day).decision == "allowed_with_conditions"


def test_unknown_facts_that_do_not_matter_are_explained() -> None:
    q = {
        **Q,
        "sender": "municipality",
        "recipient": "care_coordinator",
        "purpose": "care",
        "data": ["identifying"],
        "subject": "possible_victim",
    }
    a = check(q, as_at=dt.date(2026, 1, 15))
    assert a.decision == "allowed_with_conditions"
    assert a.missing == ()
    assert "verandert de uitkomst niet" in a.explanation_nl
    assert "belang_kind" in {c.id for c in a.conditions}  # assumed: a minor


def test_rule_listing_has_provenance() -> None:
    ruleset = load_ruleset()
    rule = ruleset.rule("wgs.riec")
    assert rule.citation.startswith("WGS")
    assert rule.valid_from == dt.date(2025, 3, 1)
    assert rule.valid_on(dt.date(2025, 3, 1))
    assert not rule.valid_on(dt.date(2025, 2, 28))
    with pytest.raises(KeyError):
        ruleset.rule("no.such.rule")
