"""Signals: intake form (draft and submit), the reporter's view with routing through
the gate and follow-up, and the inbox of received shares."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from schakel.errors import InvalidInput, NotPermitted
from schakel.services import cases, directory, gate, matching, network, signal_import
from schakel.services import signals as signal_service
from schakel.signals import PartyRole, SignalSource, Urgency
from schakel.taxonomy import load_taxonomy
from schakel.vocabulary import (
    Consent,
    Covenant,
    ExploitationForm,
    OrgType,
    Purpose,
    label,
)
from schakel.web import signal_forms
from schakel.web.deps import CallerDep, FormDep, KeysDep, RecordId, SessionDep
from schakel.web.templating import render
from schakel.web.templating import value_label as vlabel

router = APIRouter()

SOURCE_LABELS = {
    "inspection": "Inspectie of controle",
    "intake": "Intakegesprek",
    "tip": "Tip of melding",
    "screening_hit": "Screening van registraties",
    "case_work": "Casuswerk",
    "other": "Anders",
}
URGENCY_LABELS = {"low": "Laag", "normal": "Normaal", "high": "Hoog: direct gevaar"}
ROLE_LABELS = {
    "possible_victim": "Mogelijk slachtoffer",
    "possible_perpetrator": "Mogelijke dader",
    "other": "Anders betrokken",
}


def _choices() -> dict[str, Any]:
    return {
        "sources": [(s.value, SOURCE_LABELS[s.value]) for s in SignalSource],
        "urgencies": [(u.value, URGENCY_LABELS[u.value]) for u in Urgency],
        "forms": [(f.value, label(f)) for f in ExploitationForm],
        "indicators": [(i.code, i.label_nl) for i in load_taxonomy().indicators],
        "roles": [(r.value, ROLE_LABELS[r.value]) for r in PartyRole],
        "consent": [(c.value, label(c)) for c in Consent],
        "org_types": [(o.value, label(o)) for o in OrgType],
        "purposes": [(p.value, label(p)) for p in Purpose],
        "covenants": [(c.value, label(c)) for c in Covenant],
        "given_by": [
            ("subject", "Betrokkene zelf (16 jaar of ouder)"),
            ("parent_or_guardian", "Ouder of voogd (jonger dan 16)"),
        ],
    }


def _form_page(
    request: Request,
    caller: CallerDep,
    values: dict[str, Any],
    *,
    signal_id: int | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "signal_form.html",
        caller,
        status_code=status_code,
        values=values,
        errors=errors or {},
        signal_id=signal_id,
        choices=_choices(),
    )


@router.get("/signalen")
def signals_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    rows = signal_service.list_own(db, caller.actor)
    return render(request, "signals.html", caller, rows=rows, labels=SOURCE_LABELS)


@router.get("/signalen/nieuw")
def new_signal(request: Request, caller: CallerDep) -> Response:
    values = {
        "municipality": caller.actor.organisation_name.removeprefix("Gemeente ")
        if caller.actor.org_type is OrgType.MUNICIPALITY
        else ""
    }
    return _form_page(request, caller, values)


def _save(
    request: Request,
    db: Session,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    signal_id: int | None,
) -> Response:
    raw = signal_forms.raw_from_form(form)
    submit = form.get("action") == "submit"
    try:
        content = signal_forms.parse(raw)
        row = signal_service.save(
            db, caller.actor, content, keys, submit=submit, signal_id=signal_id
        )
    except ValidationError as exc:
        return _form_page(
            request,
            caller,
            signal_forms.form_values(raw),
            signal_id=signal_id,
            errors=signal_forms.field_errors(exc),
            status_code=422,
        )
    except InvalidInput as exc:
        return _form_page(
            request,
            caller,
            signal_forms.form_values(raw),
            signal_id=signal_id,
            errors={"formulier": str(exc)},
            status_code=422,
        )
    return RedirectResponse(f"/signalen/{row.id}", status_code=303)


@router.post("/signalen/nieuw")
def create_signal(
    request: Request, db: SessionDep, caller: CallerDep, keys: KeysDep, form: FormDep
) -> Response:
    return _save(request, db, caller, keys, form, None)


def _import_page(
    request: Request,
    caller: CallerDep,
    report: signal_import.ImportReport | None = None,
    error: str | None = None,
) -> Response:
    return render(
        request,
        "signal_import.html",
        caller,
        status_code=422 if error else 200,
        report=report,
        error=error,
        columns=signal_import.COLUMNS,
    )


@router.get("/signalen/import")
def import_page(request: Request, caller: CallerDep) -> Response:
    return _import_page(request, caller)


@router.post("/signalen/import")
def import_upload(
    request: Request, db: SessionDep, caller: CallerDep, keys: KeysDep, form: FormDep
) -> Response:
    upload = form.get("bestand")
    if not isinstance(upload, StarletteUpload):
        return _import_page(request, caller, error="Kies een CSV-bestand.")
    data = upload.file.read(signal_import.MAX_BYTES + 1)
    try:
        report = signal_import.import_csv(db, caller.actor, data, keys)
    except InvalidInput as exc:
        return _import_page(request, caller, error=str(exc))
    return _import_page(request, caller, report=report)


@router.get("/signalen/{signal_id}/bewerken")
def edit_signal(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    signal_id: RecordId,
) -> Response:
    view = signal_service.get(db, caller.actor, signal_id, keys)
    if view.row.status != signal_service.DRAFT:
        return RedirectResponse(f"/signalen/{signal_id}", status_code=303)
    return _form_page(
        request, caller, signal_forms.form_from_model(view.content), signal_id=signal_id
    )


@router.post("/signalen/{signal_id}/bewerken")
def update_signal(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    signal_id: RecordId,
) -> Response:
    return _save(request, db, caller, keys, form, signal_id)


def _signal_page(
    request: Request,
    db: Session,
    caller: CallerDep,
    keys: KeysDep,
    signal_id: RecordId,
    *,
    route: gate.RoutePlan | None = None,
    route_values: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    view = signal_service.get(db, caller.actor, signal_id, keys)
    organisations = directory.organisations(db)
    names = {o.id: o.name for o in organisations}
    org_options = [
        (str(o.id), f"{o.name} ({vlabel('OrgType', o.org_type)})")
        for o in organisations
        if o.id != caller.actor.org_id
    ]
    return render(
        request,
        "signal.html",
        caller,
        status_code=status_code,
        view=view,
        names=names,
        org_options=org_options,
        choices=_choices(),
        route=route,
        route_values=route_values or {},
        error=error,
        statuses=gate.STATUSES,
        source_labels=SOURCE_LABELS,
        role_labels=ROLE_LABELS,
        taxonomy=load_taxonomy(),
        case_outcomes=cases.outcomes_for_signal(db, caller.actor, signal_id),
    )


@router.get("/signalen/{signal_id}")
def signal_page(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    signal_id: RecordId,
) -> Response:
    return _signal_page(request, db, caller, keys, signal_id)


def _tri(value: object) -> bool | None:
    return {"ja": True, "nee": False}.get(str(value or ""))


@router.post("/signalen/{signal_id}/doorzetten")
def route_signal(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    signal_id: RecordId,
) -> Response:
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        recipient_id = int(values.get("recipient_org_id") or 0)
        purpose = Purpose(values.get("purpose", ""))
        covenant = Covenant(values["covenant"]) if values.get("covenant") else None
    except ValueError:
        return _signal_page(
            request,
            db,
            caller,
            keys,
            signal_id,
            route_values=values,
            error="Kies een ontvanger en een doel.",
            status_code=422,
        )
    route_request = gate.RouteRequest(
        signal_id=signal_id,
        recipient_org_id=recipient_id,
        purpose=purpose,
        professional_secrecy=_tri(values.get("professional_secrecy")),
        serious_danger=_tri(values.get("serious_danger")),
        covenant=covenant,
        anonymised=values.get("anonymised") == "ja",
    )
    try:
        if values.get("confirm") == "ja":
            gate.deliver(db, caller.actor, route_request, keys)
            return RedirectResponse(f"/signalen/{signal_id}#doorgezet", status_code=303)
        plan = gate.plan(db, caller.actor, route_request, keys)
    except (InvalidInput, NotPermitted) as exc:
        return _signal_page(
            request,
            db,
            caller,
            keys,
            signal_id,
            route_values=values,
            error=str(exc),
            status_code=422,
        )
    return _signal_page(
        request, db, caller, keys, signal_id, route=plan, route_values=values
    )


@router.post("/signalen/{signal_id}/toestemming-intrekken")
def revoke_consent(
    request: Request, db: SessionDep, caller: CallerDep, signal_id: RecordId
) -> Response:
    signal_service.revoke_consent(db, caller.actor, signal_id)
    return RedirectResponse(f"/signalen/{signal_id}", status_code=303)


@router.get("/inbox")
def inbox_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    shares = gate.inbox(db, caller.actor)
    names = {o.id: o.name for o in directory.organisations(db)}
    return render(
        request,
        "inbox.html",
        caller,
        shares=shares,
        names=names,
        statuses=gate.STATUSES,
        alerts=matching.alerts_for(db, caller.actor),
        carousels=matching.carousels_for(db, caller.actor),
        overdue_actions=cases.overdue_actions(db, caller.actor),
    )


@router.get("/netwerk")
def network_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    view = network.network_view(db, caller.actor)
    return render(
        request,
        "network.html",
        caller,
        view=view,
        svg=Markup(view.svg),
        carousels=matching.carousels_for(db, caller.actor),
    )


@router.get("/inbox/{share_id}")
def inbox_item(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    share_id: RecordId,
) -> Response:
    share, payload = gate.open_share(db, caller.actor, share_id, keys)
    names = {o.id: o.name for o in directory.organisations(db)}
    return render(
        request,
        "inbox_item.html",
        caller,
        share=share,
        payload=payload,
        names=names,
        statuses=gate.STATUSES,
        role_labels=ROLE_LABELS,
        taxonomy=load_taxonomy(),
    )


@router.post("/inbox/{share_id}/status")
def inbox_status(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    share_id: RecordId,
    status: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    gate.update_status(db, caller.actor, share_id, status, reason)
    return RedirectResponse(f"/inbox/{share_id}", status_code=303)
