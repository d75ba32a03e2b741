"""Screening review queue: upload a batch, review its hits one by one.

The review forms work without JavaScript (the page comes back with a message);
with htmx only the reviewed hit's card is swapped (``hx-select``). htmx does not
swap error answers, so for an htmx request a refused review comes back as 200
with the message inside the card; a plain form post gets 422.
"""

from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from schakel.errors import InvalidInput
from schakel.services import screening_review
from schakel.services.screening_review import (
    MAX_RECORDS,
    MAX_UPLOAD_BYTES,
    DismissReason,
    HitStatus,
    InvalidUpload,
)
from schakel.store.models import ScreeningHit
from schakel.taxonomy import load_taxonomy
from schakel.web.deps import CallerDep, FormDep, KeysDep, RecordId, SessionDep
from schakel.web.i18n import gettext
from schakel.web.templating import N_, render

router = APIRouter()

REASON_LABELS: dict[DismissReason, str] = {
    DismissReason.NO_EXPLOITATION: N_("Geen uitbuiting"),
    DismissReason.ALREADY_KNOWN: N_("Al bekend"),
    DismissReason.INSUFFICIENT: N_("Onvoldoende aanwijzingen"),
    DismissReason.MISREAD: N_(
        "Verkeerd gelezen (ontkenning, citaat of ander onderwerp)"
    ),
    DismissReason.OTHER: N_("Anders (licht toe)"),
}
STATUS_LABELS: dict[HitStatus, str] = {
    HitStatus.OPEN: N_("Open"),
    HitStatus.ACCEPTED: N_("Geaccepteerd"),
    HitStatus.DISMISSED: N_("Afgewezen"),
}


@cache
def _indicator_labels() -> dict[str, str]:
    return {i.code: i.label_nl for i in load_taxonomy()}


def _overview(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    error: str | None = None,
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    batches = screening_review.list_batches(db, caller.actor)
    return render(
        request,
        "screening.html",
        caller,
        status_code=status_code,
        batches=batches,
        error=error,
        problems=problems or [],
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
        max_records=f"{MAX_RECORDS:,}".replace(",", "."),
    )


@router.get("/screening")
def overview(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    return _overview(request, db, caller)


@router.post("/screening")
def upload(
    request: Request, form: FormDep, db: SessionDep, caller: CallerDep
) -> Response:
    screening_review.require_screening(caller.actor)
    file = form.get("bestand")
    if not isinstance(file, UploadFile) or not file.filename:
        return _overview(
            request, db, caller, error=gettext("Kies een bestand."), status_code=422
        )
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    try:
        fmt = screening_review.detect_format(
            file.filename, str(form.get("formaat") or "") or None
        )
        batch = screening_review.upload_batch(
            db,
            caller.actor,
            data,
            name=file.filename,
            input_format=fmt,
            strict=form.get("strikt") == "ja",
        )
    except InvalidUpload as exc:
        return _overview(
            request, db, caller, str(exc), exc.problems[:50], status_code=422
        )
    except InvalidInput as exc:
        return _overview(request, db, caller, str(exc), status_code=422)
    return RedirectResponse(f"/screening/{batch.id}", status_code=303)


def _batch_page(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    batch_id: RecordId,
    *,
    audited: bool = True,
    message: str | None = None,
    hit_errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    batch, hits = screening_review.get_batch(
        db, caller.actor, batch_id, audited=audited
    )
    return render(
        request,
        "screening_batch.html",
        caller,
        status_code=status_code,
        batch=batch,
        hits=hits,
        views={h.id: screening_review.highlight(h) for h in hits},
        open_count=sum(h.status == HitStatus.OPEN.value for h in hits),
        reasons=[(r.value, gettext(text)) for r, text in REASON_LABELS.items()],
        reason_labels={r.value: text for r, text in REASON_LABELS.items()},
        status_labels={s.value: text for s, text in STATUS_LABELS.items()},
        indicator_labels=_indicator_labels(),
        hit_errors=hit_errors or {},
        messages=[{"level": "success", "text": message}] if message else [],
    )


@router.get("/screening/{batch_id}")
def batch_page(
    request: Request, db: SessionDep, caller: CallerDep, batch_id: RecordId
) -> Response:
    return _batch_page(request, db, caller, batch_id)


def _after_review(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    hit: ScreeningHit | None,
    hit_id: RecordId,
    message: str,
    error: InvalidInput | None,
) -> Response:
    if hit is None:
        # The review was refused: show the batch with the reason in the hit's card.
        # Looking the hit up again also answers 404 for another organisation's hit.
        hit = screening_review.get_hit(db, caller.actor, hit_id)
        htmx = request.headers.get("hx-request") == "true"
        return _batch_page(
            request,
            db,
            caller,
            hit.batch_id,
            audited=False,
            hit_errors={hit_id: str(error)},
            status_code=200 if htmx else 422,
        )
    return _batch_page(
        request, db, caller, hit.batch_id, audited=False, message=message
    )


@router.post("/screening/treffers/{hit_id}/accepteren")
def accept(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    hit_id: RecordId,
) -> Response:
    try:
        hit = screening_review.accept_hit(
            db, caller.actor, hit_id, keys, str(form.get("note") or "")
        )
    except InvalidInput as exc:
        return _after_review(request, db, caller, None, hit_id, "", exc)
    message = gettext("Treffer %(ref)s geaccepteerd.") % {"ref": hit.record_ref}
    return _after_review(request, db, caller, hit, hit_id, message, None)


@router.post("/screening/treffers/{hit_id}/afwijzen")
def dismiss(
    request: Request, db: SessionDep, caller: CallerDep, form: FormDep, hit_id: RecordId
) -> Response:
    try:
        hit = screening_review.dismiss_hit(
            db,
            caller.actor,
            hit_id,
            str(form.get("reason") or "") or None,
            str(form.get("note") or ""),
        )
    except InvalidInput as exc:
        return _after_review(request, db, caller, None, hit_id, "", exc)
    message = gettext("Treffer %(ref)s afgewezen.") % {"ref": hit.record_ref}
    return _after_review(request, db, caller, hit, hit_id, message, None)
