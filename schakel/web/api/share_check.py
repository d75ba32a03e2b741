"""``POST /api/v1/share-check`` (contract: spec/share-check.md) and saved reasonings."""

from fastapi import APIRouter, status

from schakel.rules import Answer, Question
from schakel.services import share_check
from schakel.web.api.schemas import (
    ERROR_RESPONSES,
    ReasoningCreate,
    ReasoningPublic,
    ReasoningsPublic,
    problem_response,
)
from schakel.web.deps import CallerDep, RecordId, SessionDep

router = APIRouter(tags=["share-check"], responses=ERROR_RESPONSES)


@router.post("/share-check", response_model=Answer | list[Answer])
def ask(
    body: Question | list[Question], db: SessionDep, caller: CallerDep
) -> Answer | list[Answer]:
    """Mag ik dit delen? One question gives one answer; an array gives an array."""
    if isinstance(body, list):
        return [share_check.ask(db, caller.actor, q) for q in body]
    return share_check.ask(db, caller.actor, body)


@router.post(
    "/decisions", response_model=ReasoningPublic, status_code=status.HTTP_201_CREATED
)
def save(body: ReasoningCreate, db: SessionDep, caller: CallerDep) -> ReasoningPublic:
    """Record a verantwoording (the answer is recomputed server-side)."""
    row = share_check.save_reasoning(db, caller.actor, body.question, body.note)
    return ReasoningPublic.model_validate(row)


@router.get("/decisions", response_model=ReasoningsPublic)
def list_saved(db: SessionDep, caller: CallerDep) -> ReasoningsPublic:
    rows = [
        ReasoningPublic.model_validate(r)
        for r in share_check.list_reasonings(db, caller.actor)
    ]
    return ReasoningsPublic(data=rows, count=len(rows))


@router.get(
    "/decisions/{decision_id}",
    response_model=ReasoningPublic,
    responses={404: problem_response("Niet gevonden")},
)
def read(decision_id: RecordId, db: SessionDep, caller: CallerDep) -> ReasoningPublic:
    return ReasoningPublic.model_validate(
        share_check.get_reasoning(db, caller.actor, decision_id)
    )
