"""Pydantic schemas of the API, kept apart from the SQLAlchemy models."""

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
)

from schakel.rules import Answer, Question
from schakel.signals import SignalInput
from schakel.vocabulary import Covenant, DataCategory, OrgType, Purpose, Region, Role
from schakel.web.deps import BodyRecordId


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


#: Stored naive in UTC (see :mod:`schakel.clock`); sent with its offset, since an
#: OpenAPI ``date-time`` (RFC 3339) must carry one.
UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]


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
    created_at: UtcDateTime


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class MePublic(BaseModel):
    user: UserPublic
    organisation: OrganisationPublic


def problem_response(description: str) -> dict[str, object]:
    """Errors are sent as application/problem+json, so document that media type."""
    return {
        "model": Problem,
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}
            }
        },
    }


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: problem_response("Onleesbaar verzoek (bv. geen geldige JSON)"),
    401: problem_response("Niet ingelogd"),
    403: problem_response("Geen toegang"),
    422: problem_response("Ongeldige invoer"),
}
#: For routes that take a record id: unknown and other organisations' records alike.
NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: problem_response("Niet gevonden of niet van uw organisatie")
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
    created_at: UtcDateTime


class ReasoningsPublic(BaseModel):
    data: list[ReasoningPublic]
    count: int


class SignalCreate(BaseModel):
    """A new signal; ``submit`` false keeps it as a draft to complete later."""

    model_config = ConfigDict(extra="forbid")

    signal: SignalInput
    submit: StrictBool = True


class SignalPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    status: str
    source: str
    observed_on: str | None
    municipality: str | None
    region: str
    forms: list[str]
    indicators: list[str]
    urgency: str
    consent_status: str
    created_at: UtcDateTime


class SignalsPublic(BaseModel):
    data: list[SignalPublic]
    count: int


class ShareStatusPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    sender_org_id: int
    signal_id: int
    purpose: str
    decision: str
    ruleset_version: str
    categories: list[str]
    anonymised: bool
    consent_revoked: bool
    status: str
    status_reason: str
    created_at: UtcDateTime


class SignalDetailPublic(BaseModel):
    signal: SignalPublic
    content: SignalInput
    shares: list[ShareStatusPublic]


class RouteCreate(BaseModel):
    """Route a signal through the gate; ``confirm`` false only shows the decision."""

    model_config = ConfigDict(extra="forbid")

    recipient_org_id: BodyRecordId
    purpose: Purpose
    professional_secrecy: StrictBool | None = None
    serious_danger: StrictBool | None = None
    covenant: Covenant | None = None
    anonymised: StrictBool = False
    confirm: StrictBool = False


class RoutePublic(BaseModel):
    answer: Answer
    categories: list[DataCategory]
    withheld: list[DataCategory]
    share_id: int | None


class SharesPublic(BaseModel):
    data: list[ShareStatusPublic]
    count: int


class ReceivedSharePublic(BaseModel):
    share: ShareStatusPublic
    payload: dict[str, Any]


class StatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(max_length=40)
    reason: str = Field(default="", max_length=2000)
