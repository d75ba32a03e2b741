"""Case conferences as JSON: the same service functions as the pages, so tenancy,
need-to-know and the share gate are unchanged. Errors are problem+json: 404 for a
case the caller may not reach (not even its existence), 403 for a role or stage
that does not allow the step, 422 for refused input (nothing is saved)."""

from fastapi import APIRouter, status

from schakel.services import cases
from schakel.vocabulary import Role
from schakel.web.api.case_schemas import (
    ActionCreate,
    ActionPublic,
    ActionStatusUpdate,
    AgendaItemCreate,
    CaseClose,
    CaseCreate,
    CaseDetailPublic,
    CasePublic,
    CasesPublic,
    CaseSummaryPublic,
    ContributionCreate,
    ContributionPublic,
    DecisionCreate,
    DecisionPublic,
    InviteCreate,
    MeetingCreate,
    MemberCreate,
    MinuteCreate,
    StageUpdate,
    action_public,
    case_detail,
    contribution_public,
)
from schakel.web.api.schemas import ERROR_RESPONSES, NOT_FOUND
from schakel.web.deps import CallerDep, KeysDep, RecordId, SessionDep, require_roles

router = APIRouter(tags=["cases"], responses=ERROR_RESPONSES)
COORDINATOR = [require_roles(Role.COORDINATOR)]
CREATED = status.HTTP_201_CREATED


def _detail(
    db: SessionDep, caller: CallerDep, keys: KeysDep, case_id: int
) -> CaseDetailPublic:
    return case_detail(cases.get(db, caller.actor, case_id, keys))


@router.get("/cases", response_model=CasesPublic)
def list_cases(db: SessionDep, caller: CallerDep) -> CasesPublic:
    """Cases the caller may reach: a coordinator's organisation's cases (also
    invitations), or the cases a professional was named in."""
    rows = [
        CaseSummaryPublic(case=CasePublic.model_validate(c), participation=p.status)
        for c, p in cases.list_for(db, caller.actor)
    ]
    return CasesPublic(data=rows, count=len(rows))


@router.post(
    "/cases",
    response_model=CasePublic,
    status_code=CREATED,
    dependencies=COORDINATOR,
)
def open_case(
    body: CaseCreate, db: SessionDep, caller: CallerDep, keys: KeysDep
) -> CasePublic:
    """Open a case from an own submitted signal or an own match alert (the other
    organisation of the hit is invited when the frame allows its type)."""
    case = cases.open_case(
        db,
        caller.actor,
        keys,
        frame=body.frame,
        signal_id=body.signal_id,
        alert_id=body.alert_id,
        purpose=body.purpose,
    )
    return CasePublic.model_validate(case)


@router.get("/cases/{case_id}", response_model=CaseDetailPublic, responses=NOT_FOUND)
def read_case(
    case_id: RecordId, db: SessionDep, caller: CallerDep, keys: KeysDep
) -> CaseDetailPublic:
    """The case as the caller may see it (audited as a view)."""
    return _detail(db, caller, keys, case_id)


@router.post(
    "/cases/{case_id}/participants",
    response_model=CaseDetailPublic,
    responses=NOT_FOUND,
    dependencies=COORDINATOR,
)
def invite(
    case_id: RecordId,
    body: InviteCreate,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> CaseDetailPublic:
    """The lead invites an organisation whose type the frame allows."""
    cases.invite(db, caller.actor, case_id, body.org_id)
    return _detail(db, caller, keys, case_id)


@router.post(
    "/cases/{case_id}/accept",
    response_model=CaseDetailPublic,
    responses=NOT_FOUND,
    dependencies=COORDINATOR,
)
def accept(
    case_id: RecordId, db: SessionDep, caller: CallerDep, keys: KeysDep
) -> CaseDetailPublic:
    """The invited organisation's coordinator accepts; the gate then decides what
    this late joiner may see of every existing contribution."""
    cases.accept(db, caller.actor, case_id)
    return _detail(db, caller, keys, case_id)


@router.post(
    "/cases/{case_id}/members",
    response_model=CaseDetailPublic,
    responses=NOT_FOUND,
    dependencies=COORDINATOR,
)
def name_member(
    case_id: RecordId,
    body: MemberCreate,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> CaseDetailPublic:
    """Name a professional of the own organisation (need-to-know)."""
    cases.name_member(db, caller.actor, case_id, body.user_id)
    return _detail(db, caller, keys, case_id)


@router.post(
    "/cases/{case_id}/members/accept",
    response_model=CaseDetailPublic,
    responses=NOT_FOUND,
)
def accept_membership(
    case_id: RecordId, db: SessionDep, caller: CallerDep, keys: KeysDep
) -> CaseDetailPublic:
    """A named professional accepts."""
    cases.accept_membership(db, caller.actor, case_id)
    return _detail(db, caller, keys, case_id)


@router.post(
    "/cases/{case_id}/status",
    response_model=CasePublic,
    responses=NOT_FOUND,
    dependencies=COORDINATOR,
)
def set_stage(
    case_id: RecordId, body: StageUpdate, db: SessionDep, caller: CallerDep
) -> CasePublic:
    """The lead moves the case to another stage (closing goes through ``close``)."""
    case = cases.set_status(db, caller.actor, case_id, body.status)
    return CasePublic.model_validate(case)


@router.post(
    "/cases/{case_id}/contributions",
    response_model=ContributionPublic,
    status_code=CREATED,
    responses=NOT_FOUND,
)
def contribute(
    case_id: RecordId,
    body: ContributionCreate,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> ContributionPublic:
    """Add a contribution; the share gate decides, explained and audited, what
    every other accepted participant may see of it (the answer lists them)."""
    row = cases.contribute(
        db,
        caller.actor,
        keys,
        case_id,
        body.text,
        signal_id=body.signal_id,
        identifying=body.identifying,
        professional_secrecy=body.professional_secrecy,
        serious_danger=body.serious_danger,
        documents=[cases.DocumentRef(d.title, d.reference) for d in body.documents],
    )
    return contribution_public(cases.contribution_view(db, caller.actor, keys, row))


@router.post(
    "/cases/{case_id}/decisions",
    response_model=DecisionPublic,
    status_code=CREATED,
    responses=NOT_FOUND,
    dependencies=COORDINATOR,
)
def record_decision(
    case_id: RecordId,
    body: DecisionCreate,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> DecisionPublic:
    """Append a decision (never changed afterwards)."""
    row = cases.record_decision(db, caller.actor, keys, case_id, body.text, body.reason)
    view = cases.decision_view(db, keys, row)
    return DecisionPublic(
        id=row.id,
        org_id=row.org_id,
        actor=view.actor,
        text=view.text,
        reason=view.reason,
        created_at=row.created_at,
    )


@router.post(
    "/cases/{case_id}/meetings",
    response_model=CaseDetailPublic,
    status_code=CREATED,
    responses=NOT_FOUND,
    dependencies=COORDINATOR,
)
def add_meeting(
    case_id: RecordId,
    body: MeetingCreate,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> CaseDetailPublic:
    """The lead adds a meeting (agenda and minutes hang off it)."""
    cases.add_meeting(db, caller.actor, keys, case_id, body.held_on, body.title)
    return _detail(db, caller, keys, case_id)


@router.post(
    "/cases/{case_id}/agenda",
    response_model=CaseDetailPublic,
    status_code=CREATED,
    responses=NOT_FOUND,
    dependencies=COORDINATOR,
)
def add_agenda_item(
    case_id: RecordId,
    body: AgendaItemCreate,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> CaseDetailPublic:
    """The lead adds an item at the end of a meeting's agenda."""
    cases.add_agenda_item(db, caller.actor, keys, case_id, body.meeting_id, body.text)
    return _detail(db, caller, keys, case_id)


@router.post(
    "/cases/{case_id}/minutes",
    response_model=CaseDetailPublic,
    status_code=CREATED,
    responses=NOT_FOUND,
    dependencies=COORDINATOR,
)
def add_minute(
    case_id: RecordId,
    body: MinuteCreate,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> CaseDetailPublic:
    """Append a minutes entry; a correction names the entry it corrects."""
    cases.add_minute(
        db, caller.actor, keys, case_id, body.meeting_id, body.text, body.corrects_id
    )
    return _detail(db, caller, keys, case_id)


@router.post(
    "/cases/{case_id}/actions",
    response_model=ActionPublic,
    status_code=CREATED,
    responses=NOT_FOUND,
    dependencies=COORDINATOR,
)
def add_action(
    case_id: RecordId,
    body: ActionCreate,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> ActionPublic:
    """Add an action with an owner who sees the case and a deadline of today or
    later."""
    row = cases.add_action(
        db, caller.actor, keys, case_id, body.text, body.owner_user_id, body.deadline
    )
    return action_public(cases.action_view(db, keys, row))


@router.post(
    "/case-actions/{action_id}/status",
    response_model=ActionPublic,
    responses=NOT_FOUND,
)
def set_action_status(
    action_id: RecordId,
    body: ActionStatusUpdate,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> ActionPublic:
    """The owner sets an own action ``done`` or back to ``open``."""
    row = cases.set_action_status(db, caller.actor, action_id, body.status)
    return action_public(cases.action_view(db, keys, row))


@router.post(
    "/cases/{case_id}/close",
    response_model=CasePublic,
    responses=NOT_FOUND,
    dependencies=COORDINATOR,
)
def close(
    case_id: RecordId,
    body: CaseClose,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> CasePublic:
    """Close with an outcome; the case becomes read-only, retention starts and the
    reporters of linked signals see the outcome."""
    case = cases.close(db, caller.actor, keys, case_id, body.outcome, body.reason)
    return CasePublic.model_validate(case)
