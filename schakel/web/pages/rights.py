"""Data-subject rights for privacy officers: subject-access requests, their reports
(page and PDF) and deadlines, rectification and erasure requests with approval,
legal holds, and the retention schedule."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from schakel.audit import retention_policies
from schakel.clock import utcnow
from schakel.errors import InvalidInput
from schakel.services import rectification, retention, rights, rights_documents
from schakel.vocabulary import Role
from schakel.web.deps import (
    MAX_RECORD_ID,
    CallerDep,
    FormDep,
    KeysDep,
    RecordId,
    SessionDep,
    require_roles,
)
from schakel.web.downloads import pdf_attachment
from schakel.web.pages.signals import SOURCE_LABELS
from schakel.web.templating import render

router = APIRouter()
_PRIVACY = require_roles(Role.PRIVACY_OFFICER)
STATUS_LABELS = {
    rights.OPEN: "open",
    rights.EXTENDED: "verlengd",
    rights.HANDLED: "afgehandeld",
    rights.REQUESTED: "aangevraagd (wacht op goedkeuring)",
    rights.EXECUTED: "uitgevoerd",
    rights.REFUSED: "geweigerd",
    rights.LAPSED: "vervallen (signaal gewist)",
}
DUE_LABELS = {
    "inzage": "Inzageverzoek",
    "wissen": "Verwijderverzoek",
    "rectificatie": "Rectificatieverzoek",
}
RECORD_LABELS = {
    "signal": "Signaal",
    "share": "Gedeeld signaal",
    "screening_hit": "Screeningtreffer",
    "case": "Casusoverleg",
}


def _requests_page(
    request: Request,
    db: Session,
    caller: CallerDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows = rights.list_requests(db, caller.actor)
    return render(
        request,
        "inzageverzoeken.html",
        caller,
        status_code=status_code,
        rows=rows,
        values=values or {},
        errors=errors or {},
        statuses=STATUS_LABELS,
        overdue={r.id for r in rows if rights.is_overdue(r)},
        deadline=rights.effective_deadline,
        due=rights.due(db, caller.actor),
        due_labels=DUE_LABELS,
    )


@router.get("/inzageverzoeken", dependencies=[_PRIVACY])
def requests_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    return _requests_page(request, db, caller)


@router.post("/inzageverzoeken", dependencies=[_PRIVACY])
def create_request(
    request: Request, db: SessionDep, caller: CallerDep, keys: KeysDep, form: FormDep
) -> Response:
    values = {k: str(form.get(k) or "") for k in (*rights.QUERY_FIELDS, "received_on")}
    try:
        row = rights.create_request(
            db, caller.actor, values, keys, values["received_on"] or None
        )
    except rights.QueryProblem as exc:
        return _requests_page(
            request, db, caller, values=values, errors=exc.fields, status_code=422
        )
    return RedirectResponse(f"/inzageverzoeken/{row.id}", status_code=303)


def _report_page(
    request: Request,
    db: Session,
    caller: CallerDep,
    keys: KeysDep,
    request_id: RecordId,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    report = rights.report(db, caller.actor, request_id, keys)
    return render(
        request,
        "inzageverzoek.html",
        caller,
        status_code=status_code,
        report=report,
        statuses=STATUS_LABELS,
        source_labels=SOURCE_LABELS,
        matched_labels=rights.MATCHED_NL,
        exemption_grounds=rights.grounds().exemptions,
        error=error,
    )


@router.get("/inzageverzoeken/{request_id}", dependencies=[_PRIVACY])
def report_page(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    request_id: RecordId,
) -> Response:
    return _report_page(request, db, caller, keys, request_id)


@router.get("/inzageverzoeken/{request_id}/pdf", dependencies=[_PRIVACY])
def report_pdf(
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    request_id: RecordId,
    exemplaar: str = rights_documents.SUBJECT_COPY,
) -> Response:
    """The report as PDF: the data subject's copy, or the file copy (``dossier``)
    with the recorded exemptions and the handling."""
    if exemplaar not in rights_documents.COPIES:
        raise InvalidInput("exemplaar: kies 'betrokkene' of 'dossier'.")
    report = rights.report(
        db, caller.actor, request_id, keys, output=f"pdf:{exemplaar}"
    )
    document = rights_documents.access_document(
        report, caller.actor.organisation_name, SOURCE_LABELS, exemplaar
    )
    return pdf_attachment(document, f"inzageverzoek-{request_id}-{exemplaar}.pdf")


def _act(
    request: Request,
    db: Session,
    caller: CallerDep,
    keys: KeysDep,
    request_id: RecordId,
    action: Any,
) -> Response:
    try:
        action()  # the services validate before they change anything
    except InvalidInput as exc:
        return _report_page(
            request, db, caller, keys, request_id, error=str(exc), status_code=422
        )
    return RedirectResponse(f"/inzageverzoeken/{request_id}", status_code=303)


@router.post("/inzageverzoeken/{request_id}/verlengen", dependencies=[_PRIVACY])
def extend_request(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    request_id: RecordId,
    reason: Annotated[str, Form(max_length=2000)] = "",
    months: Annotated[int, Form(ge=1, le=rights.MAX_EXTENSION_MONTHS)] = 2,
) -> Response:
    return _act(
        request,
        db,
        caller,
        keys,
        request_id,
        lambda: rights.extend(db, caller.actor, request_id, reason, months),
    )


@router.post("/inzageverzoeken/{request_id}/uitzondering", dependencies=[_PRIVACY])
def add_exemption(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    request_id: RecordId,
    item: Annotated[str, Form(max_length=40)] = "",
    ground: Annotated[str, Form(max_length=60)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _act(
        request,
        db,
        caller,
        keys,
        request_id,
        lambda: rights.add_exemption(
            db, caller.actor, request_id, item, ground, note, keys
        ),
    )


@router.post("/inzageverzoeken/{request_id}/afgehandeld", dependencies=[_PRIVACY])
def handle_request(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    request_id: RecordId,
) -> Response:
    return _act(
        request,
        db,
        caller,
        keys,
        request_id,
        lambda: rights.mark_handled(db, caller.actor, request_id),
    )


def _erasures_page(
    request: Request,
    db: Session,
    caller: CallerDep,
    *,
    error: str | None = None,
    notice: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    table = rights.grounds()
    return render(
        request,
        "verwijderverzoeken.html",
        caller,
        status_code=status_code,
        rows=rights.list_erasures(db, caller.actor),
        statuses=STATUS_LABELS,
        reasons=table.erasure_reasons,
        holds=table.holds,
        today=utcnow().date().isoformat(),
        error=error,
        notice=notice,
        values=values or {},
    )


@router.get("/verwijderverzoeken", dependencies=[_PRIVACY])
def erasures_page(
    request: Request, db: SessionDep, caller: CallerDep, signaal: int | None = None
) -> Response:
    values = {"signal_id": str(signaal)} if signaal else {}
    return _erasures_page(request, db, caller, values=values)


def _signal_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_RECORD_ID:
        raise InvalidInput("signaalnummer: vul het nummer van het signaal in.")
    return number


@router.post("/verwijderverzoeken", dependencies=[_PRIVACY])
def request_erasure(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    signal_id: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    try:
        rights.request_erasure(db, caller.actor, _signal_id(signal_id), reason)
    except InvalidInput as exc:
        return _erasures_page(
            request,
            db,
            caller,
            error=str(exc),
            values={"signal_id": signal_id, "reason": reason},
            status_code=422,
        )
    return RedirectResponse("/verwijderverzoeken", status_code=303)


@router.post("/verwijderverzoeken/{erasure_id}/goedkeuren", dependencies=[_PRIVACY])
def approve_erasure(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    erasure_id: RecordId,
) -> Response:
    done = rights.approve_erasure(db, caller.actor, erasure_id, keys)
    if done.status == rights.REFUSED and done.refusal_ground:
        ground = rights.grounds().holds[done.refusal_ground]
        return _erasures_page(
            request,
            db,
            caller,
            error=(
                f"Wissen geweigerd: {ground.text_nl.strip()} ({ground.citation}). "
                "De weigering is vastgelegd in het auditlog."
            ),
            status_code=409,
        )
    return RedirectResponse("/verwijderverzoeken", status_code=303)


@router.post("/verwijderverzoeken/bewaarplicht", dependencies=[_PRIVACY])
def set_hold(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    signal_id: Annotated[str, Form(max_length=20)] = "",
    ground: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    try:
        rights.set_hold(db, caller.actor, _signal_id(signal_id), ground or None)
    except InvalidInput as exc:
        return _erasures_page(request, db, caller, error=str(exc), status_code=422)
    return _erasures_page(
        request,
        db,
        caller,
        notice=(
            f"Bewaarplicht vastgelegd op signaal {signal_id}."
            if ground
            else f"Bewaarplicht opgeheven op signaal {signal_id}."
        ),
    )


def _rectifications_page(
    request: Request,
    db: Session,
    caller: CallerDep,
    keys: KeysDep,
    *,
    signal_id: int | None = None,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    fields: list[rectification.FieldValue] = []
    if signal_id is not None:
        try:
            fields = rectification.fields_for(db, caller.actor, signal_id, keys)
        except InvalidInput as exc:  # an erased signal or a draft: say so
            error, status_code = error or str(exc), 422
    return render(
        request,
        "rectificatieverzoeken.html",
        caller,
        status_code=status_code,
        rows=rectification.list_rectifications(db, caller.actor, keys),
        statuses=STATUS_LABELS,
        reasons=rights.grounds().rectification_reasons,
        signal_id=signal_id,
        fields=fields,
        error=error,
        values=values or {},
    )


@router.get("/rectificatieverzoeken", dependencies=[_PRIVACY])
def rectifications_page(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    signaal: Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)] = None,
) -> Response:
    return _rectifications_page(request, db, caller, keys, signal_id=signaal)


@router.post("/rectificatieverzoeken", dependencies=[_PRIVACY])
def request_rectification(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    signal_id: Annotated[str, Form(max_length=20)] = "",
    field: Annotated[str, Form(max_length=60)] = "",
    value: Annotated[str, Form(max_length=10_000)] = "",
    reason: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    number: int | None = None
    try:
        number = _signal_id(signal_id)
        rectification.request_rectification(
            db, caller.actor, number, field, value, reason, keys
        )
    except InvalidInput as exc:
        return _rectifications_page(
            request,
            db,
            caller,
            keys,
            signal_id=number,
            error=str(exc),
            values={"field": field, "value": value, "reason": reason},
            status_code=422,
        )
    return RedirectResponse("/rectificatieverzoeken", status_code=303)


@router.post(
    "/rectificatieverzoeken/{rectification_id}/goedkeuren", dependencies=[_PRIVACY]
)
def approve_rectification(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    rectification_id: RecordId,
) -> Response:
    try:
        rectification.approve_rectification(db, caller.actor, rectification_id, keys)
    except InvalidInput as exc:
        return _rectifications_page(
            request, db, caller, keys, error=str(exc), status_code=422
        )
    return RedirectResponse("/rectificatieverzoeken", status_code=303)


@router.post(
    "/rectificatieverzoeken/{rectification_id}/weigeren", dependencies=[_PRIVACY]
)
def refuse_rectification(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    rectification_id: RecordId,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        rectification.refuse_rectification(
            db, caller.actor, rectification_id, reason, keys
        )
    except InvalidInput as exc:
        return _rectifications_page(
            request, db, caller, keys, error=str(exc), status_code=422
        )
    return RedirectResponse("/rectificatieverzoeken", status_code=303)


@router.get("/bewaartermijnen", dependencies=[_PRIVACY])
def retention_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    due = retention.schedule(db)
    policies = retention_policies()
    return render(
        request,
        "bewaartermijnen.html",
        caller,
        due=due[:500],
        total=len(due),
        policies=policies,
        names={p.id: p.record_type_nl for p in policies.policies},
        applied=set(retention.APPLIED),
        record_labels=RECORD_LABELS,
    )
