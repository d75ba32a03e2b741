"""Pydantic models of the rule files (format 1) and of the share-check contract.

Two families live here:

* the *file* models (``RulesetMeta``, ``RuleFile``, ``RuleSpec`` ...) describe the
  YAML a privacy officer edits; they check shape only. Vocabulary values, group
  references and catalogue ids are plain strings at this stage and are resolved by
  the cross-reference pass in ``_loader`` so that its errors can name file and key;
* the *contract* models (``Question``, ``Answer`` and their parts) are the fixed
  interface of ``spec/share-check.md``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from schakel.vocabulary import (
    Consent,
    Covenant,
    DataCategory,
    OrgType,
    Purpose,
    SubjectRole,
)

#: Current rule-file format. A new semantics becomes format 2 *beside* format 1.
FORMAT_VERSION = 1

_ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]*$"
RuleId = Annotated[str, Field(pattern=_ID_PATTERN, min_length=1, max_length=80)]


class Decision(StrEnum):
    """The four answers of the contract."""

    ALLOWED = "allowed"
    ALLOWED_WITH_CONDITIONS = "allowed_with_conditions"
    NOT_ALLOWED = "not_allowed"
    NEED_MORE_INFORMATION = "need_more_information"


# --------------------------------------------------------------------------- contract


class Question(BaseModel):
    """One share-check question (``spec/share-check.md``, "Question").

    Absent optional fields are ``None`` (unknown); ``anonymised`` absent is false.
    Values are the strict vocabulary enums; booleans accept only JSON booleans.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sender: OrgType
    recipient: OrgType
    purpose: Purpose
    data: Annotated[list[DataCategory], Field(min_length=1)]
    subject: SubjectRole
    subject_minor: StrictBool | None = None
    consent: Consent | None = None
    professional_secrecy: StrictBool | None = None
    serious_danger: StrictBool | None = None
    covenant: Covenant | None = None
    anonymised: StrictBool = False


class Ground(BaseModel):
    """A legal ground relied on: stable id, citation and Dutch text."""

    model_config = ConfigDict(frozen=True)

    id: str
    citation: str
    text_nl: str


class Condition(BaseModel):
    """Something the sender must still do or ensure."""

    model_config = ConfigDict(frozen=True)

    id: str
    text_nl: str


class Alternative(BaseModel):
    """A safer route when sharing as asked is not (yet) allowed."""

    model_config = ConfigDict(frozen=True)

    id: str
    text_nl: str


class Answer(BaseModel):
    """The answer of the contract; ``model_dump(mode="json")`` gives exactly its fields.

    Frozen with tuple fields, because answers are cached and shared between callers.
    """

    model_config = ConfigDict(frozen=True)

    decision: Decision
    grounds: tuple[Ground, ...] = ()
    conditions: tuple[Condition, ...] = ()
    missing: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    explanation_nl: str
    ruleset_version: str


# ------------------------------------------------------------------------ rule files


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotSpec(_Strict):
    """``{not: [...]}``: the field has none of these values."""

    not_: list[str] = Field(alias="not", min_length=1)


#: A matcher over a one-valued field: a value, a list of values (any of them),
#: or ``{not: [...]}``. Entries starting with ``@`` name a group.
ValueSpec = str | list[str] | NotSpec


class DataSpec(_Strict):
    """Matcher over the ``data`` list; every given clause must hold."""

    any: list[str] | None = Field(default=None, min_length=1)
    all: list[str] | None = Field(default=None, min_length=1)
    none: list[str] | None = Field(default=None, min_length=1)
    only: list[str] | None = Field(default=None, min_length=1)


class WhenSpec(_Strict):
    """The facts a rule needs. An absent key matches every value, including unknown.

    A key that is present never matches an unknown (null) fact: the evaluator then
    tries every possible value of that fact instead (three-valued logic).
    """

    sender: ValueSpec | None = None
    recipient: ValueSpec | None = None
    purpose: ValueSpec | None = None
    data: DataSpec | list[str] | None = None
    subject: ValueSpec | None = None
    subject_minor: StrictBool | None = None
    consent: ValueSpec | None = None
    professional_secrecy: StrictBool | None = None
    serious_danger: StrictBool | None = None
    covenant: ValueSpec | None = None
    anonymised: StrictBool | None = None


class ThenSpec(_Strict):
    """The effect of a rule: a decision (decision rules only) and catalogue ids."""

    decision: Literal["allowed", "allowed_with_conditions", "not_allowed"] | None = None
    grounds: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    alternatives: list[str] = Field(default_factory=list)


class RuleSpec(_Strict):
    """One rule as written in a rule file."""

    id: RuleId
    kind: Literal["decision", "supplement"] = "decision"
    priority: int = Field(ge=0, le=10_000)
    citation: str = Field(min_length=1)
    text_nl: str = Field(min_length=1)
    valid_from: dt.date
    valid_until: dt.date | None = None
    when: WhenSpec = Field(default_factory=WhenSpec)
    then: ThenSpec
    applies_to: (
        list[Literal["allowed", "allowed_with_conditions", "not_allowed"]] | None
    ) = None


class GroundSpec(_Strict):
    citation: str = Field(min_length=1)
    text_nl: str = Field(min_length=1)


class TextSpec(_Strict):
    text_nl: str = Field(min_length=1)


class RuleFile(_Strict):
    """One rule file: optional catalogues and groups, and rules."""

    format: Literal[1]
    title: str = Field(min_length=1)
    description: str = ""
    groups: dict[RuleId, list[str]] = Field(default_factory=dict)
    grounds: dict[RuleId, GroundSpec] = Field(default_factory=dict)
    conditions: dict[RuleId, TextSpec] = Field(default_factory=dict)
    alternatives: dict[RuleId, TextSpec] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)


class AssumeSpec(_Strict):
    """Values assumed for unknown facts *that do not change the decision*.

    They only choose which grounds and conditions are shown; the decision is the
    same for every value (otherwise the answer is ``need_more_information``).
    """

    subject_minor: StrictBool
    consent: Consent
    professional_secrecy: StrictBool
    serious_danger: StrictBool


class RulesetMeta(_Strict):
    """``ruleset.yaml``: name, semver, assumptions and Dutch wording of the fields."""

    format: Literal[1]
    name: str = Field(min_length=1)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    description: str = ""
    assume_when_unknown: AssumeSpec
    questions_nl: dict[str, str]
    decisions_nl: dict[Decision, str]
