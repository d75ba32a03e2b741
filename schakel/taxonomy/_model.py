"""The validated, immutable taxonomy model (shape only; cross-checks in ``_load``)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schakel.vocabulary import ExploitationForm

#: Codes are stable identifiers stored in signals and hits: lower snake case.
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{2,47}$")
#: Semantic version of the taxonomy file.
VERSION_PATTERN = re.compile(r"^\d+\.\d+\.\d+$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Source(_Frozen):
    """Where an indicator comes from: a published list with its address."""

    title: str = Field(min_length=3)
    url: str = Field(min_length=8)


class Indicator(_Frozen):
    """One trafficking indicator: a code that signals and screening hits share."""

    code: str
    label_nl: str = Field(min_length=3)
    description: str = Field(min_length=10)
    forms: tuple[ExploitationForm, ...] = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not CODE_PATTERN.match(value):
            raise ValueError(
                f"code {value!r} must be lower snake case (a-z, 0-9, _), 3-48 chars"
            )
        return value

    @field_validator("forms")
    @classmethod
    def _distinct_forms(
        cls, value: tuple[ExploitationForm, ...]
    ) -> tuple[ExploitationForm, ...]:
        if len(set(value)) != len(value):
            raise ValueError("forms are listed twice")
        return value


class TaxonomyFile(_Frozen):
    """The shape of ``indicators.yaml`` before cross-references are checked."""

    version: str
    sources: dict[str, Source] = Field(min_length=1)
    indicators: tuple[Indicator, ...] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not VERSION_PATTERN.match(value):
            raise ValueError(f"version {value!r} is not a semantic version like 1.0.0")
        return value
