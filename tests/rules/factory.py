"""Builders shared by the rule tests: scenario loading and random questions."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from schakel.rules import Question
from schakel.rules._scenarios import (
    DEFAULT_AS_AT,
    Scenario,
    load_scenarios,
    scenario_coverage,
)
from schakel.vocabulary import (
    Consent,
    Covenant,
    DataCategory,
    OrgType,
    Purpose,
    SubjectRole,
)

INVALID_DIR = Path(__file__).parent / "invalid"
__all__ = [
    "DEFAULT_AS_AT",
    "INVALID_DIR",
    "Scenario",
    "load_scenarios",
    "scenario_coverage",
]


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
