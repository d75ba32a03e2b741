"""Signals: intake form (draft and submit), the reporter's view with routing through
the gate and follow-up, and the inbox of received shares."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from schakel.errors import InvalidInput, NotPermitted
from schakel.services import cases, directory, gate, matching, network, signal_import
from schakel.services import signals as signal_service
from schakel.signals import PartyRole, SignalSource, Urgency, intake_profile
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


def _indicator_groups(org_type: OrgType) -> list[tuple[str, list[tuple[str, str]]]]:
    """Indicators grouped by exploitation form, the partner's usual forms first;
    an indicator of several forms is shown once, under the first of them."""
    taxonomy = load_taxonomy()
    shown: set[str] = set()
    groups = []
    for form in intake_profile(org_type).form_order():
        items = [
            (i.code, i.label_nl)
            for i in taxonomy.indicators
            if form in i.forms and i.code not in shown
        ]
        shown.update(code for code, _ in items)
        if items:
            groups.append((label(form), items))
    return groups


def _form_page(
    request: Request,
    caller: CallerDep,
    values: dict[str, Any],
    *,
    step: signal_forms.Step,
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
        step=step,
        steps=signal_forms.STEPS,
        profile=intake_profile(caller.actor.org_type),
        indicator_groups=_indicator_groups(caller.actor.org_type),
    )


@router.get("/signalen")
def signals_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    rows = signal_service.list_own(db, caller.actor)
    return render(request, "signals.html", caller, rows=rows, labels=SOURCE_LABELS)


@router.get("/signalen/nieuw")
def new_signal(
    request: Request, caller: CallerDep, stap: Annotated[str | None, Query()] = None
) -> Response:
    return _form_page(
        request, caller, _new_values(caller), step=signal_forms.step_by_slug(stap)
    )


def _new_values(caller: CallerDep) -> dict[str, Any]:
    """A new form: the partner's usual source and, for a municipality, itself."""
    values: dict[str, Any] = {
        "source": intake_profile(caller.actor.org_type).source.value
    }
    if caller.actor.org_type is OrgType.MUNICIPALITY:
        values["municipality"] = caller.actor.organisation_name.removeprefix(
            "Gemeente "
        )
    return values


def _posted_step(form: FormDep) -> signal_forms.Step | None:
    """The step a post came from; None for the whole form on one page (all fields)."""
    slug = form.get("stap")
    return signal_forms.step_by_slug(str(slug)) if slug else None


def _save(
    request: Request,
    db: Session,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    signal_id: int | None,
) -> Response:
    """Save one step (or the whole form) and go where the pressed button leads:
    next/back to a neighbouring step, draft to the signal page, submit to intake."""
    step = _posted_step(form)
    saved = (
        signal_forms.form_from_model(
            signal_service.get(db, caller.actor, signal_id, keys).content
        )
        if signal_id is not None and step is not None
        else _new_values(caller)
    )
    raw = signal_forms.raw_from_form(signal_forms.merged_form(saved, form, step))
    action = str(form.get("action") or "draft")
    try:
        content = signal_forms.parse(raw)
        row = signal_service.save(
            db,
            caller.actor,
            content,
            keys,
            submit=action == "submit",
            signal_id=signal_id,
        )
    except (ValidationError, InvalidInput) as exc:
        errors = (
            signal_forms.field_errors(exc)
            if isinstance(exc, ValidationError)
            else {"formulier": str(exc)}
        )
        return _form_page(
            request,
            caller,
            signal_forms.form_values(raw),
            step=step or signal_forms.step_of_error(errors),
            signal_id=signal_id,
            errors=errors,
            status_code=422,
        )
    if step is not None and action in ("next", "back"):
        target = signal_forms.neighbour(step, 1 if action == "next" else -1)
        return RedirectResponse(
            f"/signalen/{row.id}/bewerken?stap={target.slug}", status_code=303
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
        return _import_page(request, caller, error="Kies een CSV- of XLSX-bestand.")
    try:
        report = signal_import.import_file(db, caller.actor, upload.file, keys)
    except InvalidInput as exc:
        db.rollback()  # a refused file leaves nothing behind
        return _import_page(request, caller, error=str(exc))
    return _import_page(request, caller, report=report)


@router.get("/signalen/{signal_id}/bewerken")
def edit_signal(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    signal_id: RecordId,
    stap: Annotated[str | None, Query()] = None,
) -> Response:
    view = signal_service.get(db, caller.actor, signal_id, keys)
    if view.row.status != signal_service.DRAFT:
        return RedirectResponse(f"/signalen/{signal_id}", status_code=303)
    return _form_page(
        request,
        caller,
        signal_forms.form_from_model(view.content),
        step=signal_forms.step_by_slug(stap),
        signal_id=signal_id,
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
        case_feedback=cases.feedback_for_signal(db, caller.actor, keys, signal_id),
        may_open_case=cases.may_open(caller.actor),
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
def inbox_page(
    request: Request, db: SessionDep, caller: CallerDep, keys: KeysDep
) -> Response:
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
        case_invitations=cases.invitations_for(db, caller.actor),
        case_feedback=cases.feedback_for_reporter(db, caller.actor, keys),
        may_open_case=cases.may_open(caller.actor),
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
