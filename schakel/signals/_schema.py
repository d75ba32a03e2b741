"""The aanmeldformulier as a validated model, shared by API, pages and import."""

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from schakel.linkage import InvalidValue, normalise
from schakel.taxonomy import load_taxonomy
from schakel.vocabulary import Consent, ExploitationForm, OrgType, Purpose

#: The list fields of a signal and the normaliser kind of their values.
IDENTIFIER_KINDS = {
    "phones": "phone",
    "emails": "email",
    "ibans": "iban",
    "plates": "plate",
}


class SignalSource(StrEnum):
    INSPECTION = "inspection"
    INTAKE = "intake"
    TIP = "tip"
    SCREENING_HIT = "screening_hit"
    CASE_WORK = "case_work"
    OTHER = "other"


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class PartyRole(StrEnum):
    POSSIBLE_VICTIM = "possible_victim"
    POSSIBLE_PERPETRATOR = "possible_perpetrator"
    OTHER = "other"


def _normalised(kind: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return normalise(kind, value)
    except InvalidValue as exc:
        raise ValueError(str(exc)) from None


def age_on(date_of_birth: str | None, day: dt.date) -> int | None:
    if not date_of_birth:
        return None
    born = dt.date.fromisoformat(date_of_birth)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _texts(item)]
    return []


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        """Refuse text the database cannot store: PostgreSQL refuses NUL in a text
        column (a 500 instead of a 422 for the municipality field, found by
        fuzzing the import), and UTF-8 cannot encode a lone surrogate (a JSON
        escape such as ``\\ud800``)."""
        for text in _texts(value):
            if "\x00" in text:
                raise ValueError("bevat een ongeldig teken (NUL)")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValueError("bevat een ongeldig teken") from exc
        return value


class PersonInput(_Strict):
    """A person involved; one person can be both possible victim and suspect."""

    roles: Annotated[list[PartyRole], Field(min_length=1)]
    given_name: str | None = Field(default=None, max_length=100)
    surname: str | None = Field(default=None, max_length=100)
    date_of_birth: str | None = None
    gender: str | None = Field(default=None, max_length=20)
    bsn: str | None = None

    @field_validator("date_of_birth")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        normal = _normalised("date", value)
        if normal is not None and dt.date.fromisoformat(normal) > dt.date.today():
            raise ValueError("geboortedatum ligt in de toekomst")
        return normal

    @field_validator("bsn")
    @classmethod
    def _bsn(cls, value: str | None) -> str | None:
        return _normalised("bsn", value)


class AccountInput(_Strict):
    """An online advert or account, with the platform and what it was used for."""

    platform: str = Field(min_length=1, max_length=60)
    handle: str = Field(min_length=1, max_length=200)
    use: str = Field(
        default="advertising", pattern="^(recruitment|advertising|communication)$"
    )


class ConsentInput(_Strict):
    """Specific consent: for which recipient type and purpose, by whom."""

    status: Consent = Consent.NOT_ASKED
    recipient: OrgType | None = None
    purpose: Purpose | None = None
    given_by: str | None = Field(default=None, pattern="^(subject|parent_or_guardian)$")

    @model_validator(mode="after")
    def _specific(self) -> "ConsentInput":
        if self.status is Consent.GIVEN and (
            self.recipient is None or self.purpose is None
        ):
            raise ValueError(
                "toestemming moet specifiek zijn: vul ontvanger en doel in"
            )
        return self


class SignalInput(_Strict):
    """One signal as a reporter enters it (draft or complete)."""

    source: SignalSource = SignalSource.INSPECTION
    observed_on: str | None = None
    municipality: str | None = Field(default=None, max_length=100)
    forms: list[ExploitationForm] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    urgency: Urgency = Urgency.NORMAL
    description: str = Field(default="", max_length=10_000)
    persons: list[PersonInput] = Field(default_factory=list, max_length=50)
    phones: list[str] = Field(default_factory=list, max_length=50)
    emails: list[str] = Field(default_factory=list, max_length=50)
    ibans: list[str] = Field(default_factory=list, max_length=50)
    plates: list[str] = Field(default_factory=list, max_length=50)
    addresses: list[str] = Field(default_factory=list, max_length=50)
    accounts: list[AccountInput] = Field(default_factory=list, max_length=50)
    consent: ConsentInput = Field(default_factory=ConsentInput)

    @field_validator("observed_on")
    @classmethod
    def _observed(cls, value: str | None) -> str | None:
        return _normalised("date", value)

    @field_validator("indicators")
    @classmethod
    def _known_indicators(cls, codes: list[str]) -> list[str]:
        taxonomy = load_taxonomy()
        unknown = [c for c in codes if c not in taxonomy]
        if unknown:
            raise ValueError(f"onbekende indicatorcode(s): {', '.join(unknown)}")
        return sorted(set(codes))

    @field_validator("phones", "emails", "ibans", "plates")
    @classmethod
    def _identifiers(cls, values: list[str], info: ValidationInfo) -> list[str]:
        """Normalise each value with the linkage normaliser of the field's kind."""
        return _each(IDENTIFIER_KINDS[str(info.field_name)], values)

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        return [v.strip() for v in values if v.strip()]

    def has_victim_minor(self, day: dt.date) -> bool | None:
        """True/False when known for a possible victim; None when no birth date."""
        ages = [
            age_on(p.date_of_birth, day)
            for p in self.persons
            if PartyRole.POSSIBLE_VICTIM in p.roles
        ]
        known = [a for a in ages if a is not None]
        if not known:
            return None
        return any(a < 18 for a in known)


def _each(kind: str, values: list[str]) -> list[str]:
    out: list[str] = []
    for index, value in enumerate(values):
        if not value.strip():
            continue
        try:
            out.append(normalise(kind, value))
        except InvalidValue as exc:
            raise ValueError(f"[{index}] {exc}") from None
    return list(dict.fromkeys(out))
