"""Builders shared by the rule tests: scenario loading and random questions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from schakel.rules import Question
from schakel.vocabulary import (
    Consent,
    Covenant,
    DataCategory,
    OrgType,
    Purpose,
    SubjectRole,
)

SCENARIO_DIR = Path(__file__).parent / "scenarios"
INVALID_DIR = Path(__file__).parent / "invalid"
#: Scenarios are evaluated on a fixed date so they do not change with the calendar.
DEFAULT_AS_AT = dt.date(2026, 1, 15)


@dataclass(frozen=True)
class Scenario:
    file: str
    name: str
    question: dict[str, Any]
    as_at: dt.date
    expect: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


def load_scenarios() -> list[Scenario]:
    out = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text("utf-8")):
            out.append(
                Scenario(
                    file=path.name,
                    name=entry["name"],
                    question=entry["question"],
                    as_at=entry.get("as_at", DEFAULT_AS_AT),
                    expect=entry["expect"],
                )
            )
    return out


def scenario_coverage() -> dict[str, list[str]]:
    """Rule id -> names of the scenarios whose answer it took part in.

    What the rules page shows as "the scenarios that test this rule".
    """
    from schakel.rules import evaluate, rules_for

    coverage: dict[str, list[str]] = {}
    for sc in load_scenarios():
        outcome = evaluate(sc.question, as_at=sc.as_at)
        worlds = (outcome.chosen,) if outcome.chosen else outcome.worlds
        for world in worlds:
            for rule in (world.rule, *world.supplements):
                names = coverage.setdefault(rule.id, [])
                if sc.id not in names:
                    names.append(sc.id)
    _ = rules_for  # the same information over every world, for debugging
    return coverage


def questions() -> st.SearchStrategy[Question]:
    """Any valid question, unknown facts included."""
    return st.builds(
        Question,
        sender=st.sampled_from(list(OrgType)),
        recipient=st.sampled_from(list(OrgType)),
        purpose=st.sampled_from(list(Purpose)),
        data=st.lists(st.sampled_from(list(DataCategory)), min_size=1, max_size=4),
        subject=st.sampled_from(list(SubjectRole)),
        subject_minor=st.none() | st.booleans(),
        consent=st.none() | st.sampled_from(list(Consent)),
        professional_secrecy=st.none() | st.booleans(),
        serious_danger=st.none() | st.booleans(),
        covenant=st.none() | st.sampled_from(list(Covenant)),
        anonymised=st.booleans(),
    )
