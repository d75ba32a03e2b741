"""Pydantic schemas of the case-conference API (``/api/v1/cases``).

A ``CaseDetailPublic`` is built from the same per-reader view as the case page
(:func:`schakel.services.cases.get`), so the API never shows more than the page.
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from schakel.services import cases
from schakel.vocabulary import Covenant, OrgType, Purpose
from schakel.web.api.schemas import UtcDateTime
from schakel.web.deps import BodyRecordId as Id

Outcome = Literal[
    "opsporingsonderzoek", "zorgtraject", "bestuurlijke_maatregel", "geen_vervolg"
]
Stage = Literal["aangemeld", "triage", "in_bespreking", "plan_loopt"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseCreate(_Body):
    """Open a case from an own submitted signal or an own match alert."""

    frame: Covenant
    signal_id: Id | None = None
    alert_id: Id | None = None
    #: Only for the ad-hoc frame; the others fix the purpose.
    purpose: Purpose | None = None


class CasePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    frame: Covenant
    purpose: Purpose
    status: str
    source_signal_id: int | None
    source_alert_id: int | None
    outcome: str | None
    created_at: UtcDateTime
    closed_at: UtcDateTime | None
    retention_until: UtcDateTime | None


class CaseSummaryPublic(BaseModel):
    case: CasePublic
    #: The caller's organisation: ``invited`` or ``accepted``.
    participation: str


class CasesPublic(BaseModel):
    data: list[CaseSummaryPublic]
    count: int


class ParticipantPublic(BaseModel):
    org_id: int
    name: str
    org_type: OrgType
    status: str


class MemberPublic(BaseModel):
    user_id: int
    name: str
    org_id: int
    org_name: str
    status: str


class DocumentRefIn(_Body):
    """A document kept in the contributor's own system: no file, a reference."""

    title: Annotated[str, Field(min_length=1, max_length=cases.MAX_DOCUMENT_TITLE)]
    reference: Annotated[
        str, Field(min_length=1, max_length=cases.MAX_DOCUMENT_REFERENCE)
    ]


class DocumentRefPublic(BaseModel):
    title: str
    reference: str


class GrantPublic(BaseModel):
    """The gate's decision whether ``org_id`` may see the contribution."""

    org_id: int
    sender_org_id: int
    visible: bool
    decision: str
    ruleset_version: str
    categories: list[str]
    explanation: str


class ContributionCreate(_Body):
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    signal_id: Id | None = None
    identifying: StrictBool = False
    professional_secrecy: StrictBool | None = None
    serious_danger: StrictBool | None = None
    documents: Annotated[
        list[DocumentRefIn], Field(max_length=cases.MAX_DOCUMENTS)
    ] = []


class ContributionPublic(BaseModel):
    id: int
    org_id: int
    org_name: str
    author: str
    own: bool
    text: str
    #: Only on the own organisation's contributions; others see ``linked_signal``.
    signal_id: int | None
    linked_signal: bool
    categories: list[str]
    documents: list[DocumentRefPublic]
    #: Own contribution: the decision per participant; else the one for the caller.
    grants: list[GrantPublic]
    created_at: UtcDateTime


class DecisionCreate(_Body):
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    reason: Annotated[str, Field(min_length=1, max_length=5000)]


class DecisionPublic(BaseModel):
    id: int
    org_id: int
    actor: str
    text: str
    reason: str
    created_at: UtcDateTime


class ActionCreate(_Body):
    """Owner and deadline are checked by the service (clear message when missing)."""

    text: Annotated[str, Field(min_length=1, max_length=5000)]
    owner_user_id: Id | None = None
    deadline: date | None = None


class ActionStatusUpdate(_Body):
    status: Literal["open", "done"]


class ActionPublic(BaseModel):
    id: int
    case_id: int
    owner_user_id: int
    owner: str
    text: str
    deadline: str
    status: str
    overdue: bool
    created_at: UtcDateTime
    done_at: UtcDateTime | None


class AgendaItemPublic(BaseModel):
    id: int
    position: int
    text: str


class MinutePublic(BaseModel):
    id: int
    actor: str
    text: str
    corrects_id: int | None
    corrected_by: list[int]
    created_at: UtcDateTime


class MeetingPublic(BaseModel):
    id: int
    held_on: str
    title: str
    agenda: list[AgendaItemPublic]
    minutes: list[MinutePublic]


class CaseDetailPublic(BaseModel):
    """A case as the caller may see it; ``sees_content`` false means only the
    invitation (of the organisation or of the caller as named professional)."""

    case: CasePublic
    frame_label: str
    participation: str
    member_status: str | None
    sees_content: bool
    participants: list[ParticipantPublic]
    members: list[MemberPublic]
    contributions: list[ContributionPublic]
    #: Contributions of others the gate did not let the caller's organisation see.
    hidden: int
    meetings: list[MeetingPublic]
    decisions: list[DecisionPublic]
    actions: list[ActionPublic]
    outcome_reason: str


class InviteCreate(_Body):
    org_id: Id


class MemberCreate(_Body):
    user_id: Id


class StageUpdate(_Body):
    status: Stage


class MeetingCreate(_Body):
    held_on: date
    title: Annotated[str, Field(min_length=1, max_length=200)]


class AgendaItemCreate(_Body):
    meeting_id: Id
    text: Annotated[str, Field(min_length=1, max_length=500)]


class MinuteCreate(_Body):
    meeting_id: Id
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    #: A correction names the entry it corrects; entries are never changed.
    corrects_id: Id | None = None


class CaseClose(_Body):
    outcome: Outcome
    #: Required for ``geen_vervolg``.
    reason: Annotated[str, Field(max_length=2000)] = ""


def action_public(view: cases.ActionView) -> ActionPublic:
    row = view.row
    return ActionPublic(
        id=row.id,
        case_id=row.case_id,
        owner_user_id=row.owner_user_id,
        owner=view.owner,
        text=view.text,
        deadline=row.deadline,
        status=row.status,
        overdue=view.overdue,
        created_at=row.created_at,
        done_at=row.done_at,
    )


def contribution_public(view: cases.ContributionView) -> ContributionPublic:
    row = view.row
    return ContributionPublic(
        id=row.id,
        org_id=row.org_id,
        org_name=view.org_name,
        author=view.author,
        own=view.own,
        text=view.text,
        signal_id=row.signal_id if view.own else None,
        linked_signal=row.signal_id is not None,
        categories=list(row.categories),
        documents=[
            DocumentRefPublic(title=d.title, reference=d.reference)
            for d in view.documents
        ],
        grants=[
            GrantPublic(
                org_id=g.org_id,
                sender_org_id=g.sender_org_id,
                visible=g.visible,
                decision=g.decision,
                ruleset_version=g.ruleset_version,
                categories=list(g.categories),
                explanation=str(g.answer.get("explanation_nl", "")),
            )
            for g in view.grants
        ],
        created_at=row.created_at,
    )


def case_detail(view: cases.CaseView) -> CaseDetailPublic:
    member = view.access.member
    return CaseDetailPublic(
        case=CasePublic.model_validate(view.case),
        frame_label=view.frame.label,
        participation=view.membership.status,
        member_status=member.status if member else None,
        sees_content=view.accepted,
        participants=[
            ParticipantPublic(
                org_id=o.id, name=o.name, org_type=OrgType(o.org_type), status=p.status
            )
            for p, o in view.participants
        ],
        members=[
            MemberPublic(
                user_id=m.row.user_id,
                name=m.name,
                org_id=m.row.org_id,
                org_name=m.org_name,
                status=m.row.status,
            )
            for m in view.members
        ],
        contributions=[contribution_public(c) for c in view.contributions],
        hidden=view.hidden,
        meetings=[
            MeetingPublic(
                id=m.row.id,
                held_on=m.row.held_on,
                title=m.title,
                agenda=[
                    AgendaItemPublic(id=a.row.id, position=a.row.position, text=a.text)
                    for a in m.agenda
                ],
                minutes=[
                    MinutePublic(
                        id=n.row.id,
                        actor=n.actor,
                        text=n.text,
                        corrects_id=n.row.corrects_id,
                        corrected_by=n.corrected_by,
                        created_at=n.row.created_at,
                    )
                    for n in m.minutes
                ],
            )
            for m in view.meetings
        ],
        decisions=[
            DecisionPublic(
                id=d.row.id,
                org_id=d.row.org_id,
                actor=d.actor,
                text=d.text,
                reason=d.reason,
                created_at=d.row.created_at,
            )
            for d in view.decisions
        ],
        actions=[action_public(a) for a in view.actions],
        outcome_reason=view.outcome_reason,
    )
