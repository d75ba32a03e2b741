"""Pydantic schemas of the API, kept apart from the SQLAlchemy models."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from schakel.rules import Answer, Question
from schakel.vocabulary import OrgType, Region, Role


class Problem(BaseModel):
    """application/problem+json (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None


class OrganisationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    org_type: OrgType
    region: Region
    municipality: str | None


class OrganisationsPublic(BaseModel):
    data: list[OrganisationPublic]
    count: int


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    org_id: int
    roles: list[Role]
    totp_enabled: bool
    created_at: datetime


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class MePublic(BaseModel):
    user: UserPublic
    organisation: OrganisationPublic


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Niet ingelogd"},
    403: {"model": Problem, "description": "Geen toegang"},
    422: {"model": Problem, "description": "Ongeldige invoer"},
}


class ReasoningCreate(BaseModel):
    """Save a reasoning (verantwoording); the server recomputes the answer."""

    model_config = ConfigDict(extra="forbid")

    question: Question
    note: str = Field(default="", max_length=4000)


class ReasoningPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    user_id: int
    question: Question
    answer: Answer
    decision: str
    ruleset_version: str
    note: str
    created_at: datetime


class ReasoningsPublic(BaseModel):
    data: list[ReasoningPublic]
    count: int
