"""Signals, routing through the gate, and the inbox, as JSON."""

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from schakel.errors import NotPermitted
from schakel.services import gate
from schakel.services import signals as signal_service
from schakel.web.api.schemas import (
    ERROR_RESPONSES,
    NOT_FOUND,
    ReceivedSharePublic,
    RouteCreate,
    RoutePublic,
    SharesPublic,
    ShareStatusPublic,
    SignalCreate,
    SignalDetailPublic,
    SignalPublic,
    SignalsPublic,
    StatusUpdate,
)
from schakel.web.deps import CallerDep, KeysDep, RecordId, SessionDep
from schakel.web.problems import problem

router = APIRouter(tags=["signals"], responses=ERROR_RESPONSES)


@router.post(
    "/signals", response_model=SignalPublic, status_code=status.HTTP_201_CREATED
)
def create(
    body: SignalCreate, db: SessionDep, caller: CallerDep, keys: KeysDep
) -> SignalPublic:
    """Register a signal (encrypted at rest, match tokens computed at intake)."""
    row = signal_service.save(db, caller.actor, body.signal, keys, submit=body.submit)
    return SignalPublic.model_validate(row)


@router.get("/signals", response_model=SignalsPublic)
def list_own(db: SessionDep, caller: CallerDep) -> SignalsPublic:
    rows = [
        SignalPublic.model_validate(r)
        for r in signal_service.list_own(db, caller.actor)
    ]
    return SignalsPublic(data=rows, count=len(rows))


@router.get(
    "/signals/{signal_id}", response_model=SignalDetailPublic, responses=NOT_FOUND
)
def read(
    signal_id: RecordId, db: SessionDep, caller: CallerDep, keys: KeysDep
) -> SignalDetailPublic:
    """The reporter's signal with the follow-up status of every share made from it."""
    view = signal_service.get(db, caller.actor, signal_id, keys)
    return SignalDetailPublic(
        signal=SignalPublic.model_validate(view.row),
        content=view.content,
        shares=[ShareStatusPublic.model_validate(s) for s in view.shares],
    )


@router.post(
    "/signals/{signal_id}/route", response_model=RoutePublic, responses=NOT_FOUND
)
def route(
    signal_id: RecordId,
    body: RouteCreate,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
) -> RoutePublic | JSONResponse:
    """Ask the gate; with ``confirm`` true it delivers when the decision allows it."""
    request = gate.RouteRequest(
        signal_id=signal_id,
        recipient_org_id=body.recipient_org_id,
        purpose=body.purpose,
        professional_secrecy=body.professional_secrecy,
        serious_danger=body.serious_danger,
        covenant=body.covenant,
        anonymised=body.anonymised,
    )
    plan = gate.plan(db, caller.actor, request, keys)
    share_id = None
    if body.confirm:
        try:
            share_id = gate.deliver(db, caller.actor, request, keys).id
        except NotPermitted as exc:
            # Answered, not raised: the gate's audit entry of the refusal must be
            # committed with this request instead of rolled back with it.
            return problem(403, "Geen toegang", str(exc))
    return RoutePublic(
        answer=plan.answer,
        categories=list(plan.categories),
        withheld=list(plan.withheld),
        share_id=share_id,
    )


@router.get("/inbox", response_model=SharesPublic)
def inbox(db: SessionDep, caller: CallerDep) -> SharesPublic:
    rows = [ShareStatusPublic.model_validate(s) for s in gate.inbox(db, caller.actor)]
    return SharesPublic(data=rows, count=len(rows))


@router.get(
    "/inbox/{share_id}", response_model=ReceivedSharePublic, responses=NOT_FOUND
)
def received(
    share_id: RecordId, db: SessionDep, caller: CallerDep, keys: KeysDep
) -> ReceivedSharePublic:
    share, payload = gate.open_share(db, caller.actor, share_id, keys)
    return ReceivedSharePublic(
        share=ShareStatusPublic.model_validate(share), payload=payload
    )


@router.post(
    "/inbox/{share_id}/status", response_model=ShareStatusPublic, responses=NOT_FOUND
)
def set_status(
    share_id: RecordId, body: StatusUpdate, db: SessionDep, caller: CallerDep
) -> ShareStatusPublic:
    share = gate.update_status(db, caller.actor, share_id, body.status, body.reason)
    return ShareStatusPublic.model_validate(share)
