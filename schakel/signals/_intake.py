"""Intake profiles: the starting point of the aanmeldformulier per partner type.

Data, not code (``intake_profiles.yaml``), so a partner's form can be tuned without a
release of the form itself; validated on load so a typo in a form or source value
fails at start-up instead of silently showing an empty indicator group.
"""

from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from schakel.signals._schema import SignalSource
from schakel.vocabulary import ExploitationForm, OrgType


class IntakeProfile(BaseModel):
    """How the form opens for one partner type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: SignalSource
    forms_first: tuple[ExploitationForm, ...] = ()
    intro: str = Field(min_length=20)

    @field_validator("forms_first")
    @classmethod
    def _no_repeats(
        cls, forms: tuple[ExploitationForm, ...]
    ) -> tuple[ExploitationForm, ...]:
        if len(set(forms)) != len(forms):
            raise ValueError("forms_first noemt een vorm twee keer")
        return forms

    def form_order(self) -> tuple[ExploitationForm, ...]:
        """Every exploitation form, the profile's own first."""
        rest = tuple(f for f in ExploitationForm if f not in self.forms_first)
        return self.forms_first + rest


class IntakeProfiles(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    default: IntakeProfile
    profiles: dict[OrgType, IntakeProfile]

    def for_type(self, org_type: OrgType) -> IntakeProfile:
        return self.profiles.get(org_type, self.default)


def parse_intake_profiles(data: Any) -> IntakeProfiles:
    """Validate the profile file's content (raises pydantic's ValidationError)."""
    return IntakeProfiles.model_validate(data)


@cache
def load_intake_profiles() -> IntakeProfiles:
    text = files("schakel.signals").joinpath("intake_profiles.yaml").read_text("utf-8")
    return parse_intake_profiles(yaml.safe_load(text))


def intake_profile(org_type: OrgType) -> IntakeProfile:
    return load_intake_profiles().for_type(org_type)
