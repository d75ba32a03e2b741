"""``POST /api/v1/screen`` (contract results, nothing stored) and the review queue."""

from fastapi import APIRouter

from schakel.services import screening_review
from schakel.web.api.schemas import ERROR_RESPONSES, NOT_FOUND
from schakel.web.api.screening_schemas import (
    HitAccept,
    HitDismiss,
    ScreeningBatchDetail,
    ScreeningBatchesPublic,
    ScreeningBatchPublic,
    ScreeningHitPublic,
    ScreenRequest,
    ScreenResultPublic,
    ScreenResultsPublic,
)
from schakel.web.deps import CallerDep, KeysDep, RecordId, SessionDep

router = APIRouter(tags=["screening"], responses=ERROR_RESPONSES)


@router.post("/screen", response_model=ScreenResultsPublic)
def screen(
    body: ScreenRequest, db: SessionDep, caller: CallerDep
) -> ScreenResultsPublic:
    """Screen up to 1,000 records for trafficking signals; every flag is explained
    by its spans. Police, KMar and Labour Inspectorate only."""
    results = screening_review.screen_records(
        db, caller.actor, [(r.id, r.text) for r in body.records]
    )
    data = [ScreenResultPublic.model_validate(r.to_dict()) for r in results]
    return ScreenResultsPublic(
        data=data, count=len(data), flagged=sum(r.flagged for r in data)
    )


@router.get("/screening/batches", response_model=ScreeningBatchesPublic)
def list_batches(db: SessionDep, caller: CallerDep) -> ScreeningBatchesPublic:
    rows = [
        ScreeningBatchPublic.model_validate(s.batch)
        for s in screening_review.list_batches(db, caller.actor)
    ]
    return ScreeningBatchesPublic(data=rows, count=len(rows))


@router.get(
    "/screening/batches/{batch_id}",
    response_model=ScreeningBatchDetail,
    responses=NOT_FOUND,
)
def read_batch(
    batch_id: RecordId, db: SessionDep, caller: CallerDep
) -> ScreeningBatchDetail:
    batch, hits = screening_review.get_batch(db, caller.actor, batch_id)
    return ScreeningBatchDetail(
        batch=ScreeningBatchPublic.model_validate(batch),
        hits=[ScreeningHitPublic.model_validate(h) for h in hits],
    )


@router.post(
    "/screening/hits/{hit_id}/accept",
    response_model=ScreeningHitPublic,
    responses=NOT_FOUND,
)
def accept(
    hit_id: RecordId, body: HitAccept, db: SessionDep, caller: CallerDep, keys: KeysDep
) -> ScreeningHitPublic:
    """Accept a hit: it becomes a signal through the normal intake."""
    hit = screening_review.accept_hit(db, caller.actor, hit_id, keys, body.note)
    return ScreeningHitPublic.model_validate(hit)


@router.post(
    "/screening/hits/{hit_id}/dismiss",
    response_model=ScreeningHitPublic,
    responses=NOT_FOUND,
)
def dismiss(
    hit_id: RecordId, body: HitDismiss, db: SessionDep, caller: CallerDep
) -> ScreeningHitPublic:
    """Dismiss a hit with a reason; the reasons feed the evaluation set."""
    hit = screening_review.dismiss_hit(
        db, caller.actor, hit_id, body.reason.value, body.note
    )
    return ScreeningHitPublic.model_validate(hit)
