"""Case conferences: the list, opening a case from a signal or a hit, and the case
page with participants and named professionals, contributions (through the share
gate), meetings with agenda and minutes, decisions, the action plan, closure and
the PDF of minutes and action plan."""

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from schakel.errors import InvalidInput
from schakel.services import case_report, cases
from schakel.vocabulary import Covenant, Purpose, Role, label
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
from schakel.web.templating import render

router = APIRouter()
COORDINATOR = [require_roles(Role.COORDINATOR)]


def _values(form: FormDep) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if k != "csrf_token"}


def _int(value: str | None) -> int | None:
    """A record id from a form field; anything else (also beyond the database's
    INTEGER range) is treated as not chosen."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 1 <= number <= MAX_RECORD_ID else None


def _tri(value: str | None) -> bool | None:
    return {"ja": True, "nee": False}.get(value or "")


@router.get("/casussen")
def cases_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    rows = cases.list_for(db, caller.actor)
    return render(
        request,
        "cases.html",
        caller,
        rows=rows,
        statuses=cases.STATUSES,
        frames=cases.frames(),
    )


def _new_page(
    request: Request,
    db: Session,
    caller: CallerDep,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    signals, alerts = cases.sources(db, caller.actor)
    return render(
        request,
        "case_new.html",
        caller,
        status_code=status_code,
        values=values,
        error=error,
        signals=[
            (str(s.id), f"Signaal {s.id} ({s.observed_on or ''})") for s in signals
        ],
        alerts=[(str(a.id), f"Hit {a.id} op signaal {a.signal_id}") for a in alerts],
        frames=[(c.value, f.label) for c, f in cases.frames().items()],
        purposes=[(p.value, label(p)) for p in Purpose],
    )


@router.get("/casussen/nieuw", dependencies=COORDINATOR)
def new_case(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    values = {
        "signal_id": request.query_params.get("signaal", ""),
        "alert_id": request.query_params.get("hit", ""),
    }
    return _new_page(request, db, caller, values)


@router.post("/casussen/nieuw", dependencies=COORDINATOR)
def create_case(
    request: Request, db: SessionDep, caller: CallerDep, keys: KeysDep, form: FormDep
) -> Response:
    values = _values(form)
    try:
        try:
            frame = Covenant(values.get("frame", ""))
            purpose = Purpose(values["purpose"]) if values.get("purpose") else None
        except ValueError:
            raise InvalidInput("kader: kies een kader.") from None
        case = cases.open_case(
            db,
            caller.actor,
            keys,
            frame=frame,
            signal_id=_int(values.get("signal_id")),
            alert_id=_int(values.get("alert_id")),
            purpose=purpose,
        )
    except InvalidInput as exc:
        return _new_page(request, db, caller, values, str(exc), 422)
    return RedirectResponse(f"/casussen/{case.id}", status_code=303)


def _case_page(
    request: Request,
    db: Session,
    caller: CallerDep,
    keys: KeysDep,
    case_id: RecordId,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = cases.get(db, caller.actor, case_id, keys)
    return render(
        request,
        "case.html",
        caller,
        status_code=status_code,
        view=view,
        error=error,
        values=values or {},
        statuses=cases.STATUSES,
        outcomes=cases.OUTCOMES,
        invitable=[
            (str(o.id), f"{o.name}") for o in cases.invitable(db, caller.actor, view)
        ]
        if view.accepted
        else [],
        owners=[(str(i), n) for i, n in cases.action_owners(db, view)]
        if view.accepted
        else [],
        nameable=[
            (str(u.id), u.display_name) for u in cases.nameable(db, caller.actor, view)
        ]
        if view.accepted and caller.actor.has(Role.COORDINATOR)
        else [],
        meetings=[
            (str(m.row.id), f"{m.row.held_on}: {m.title}") for m in view.meetings
        ],
        own_signals=[
            (str(s.id), f"Signaal {s.id}") for s in cases.sources(db, caller.actor)[0]
        ],
        is_lead=view.case.org_id == caller.actor.org_id
        and caller.actor.has(Role.COORDINATOR),
        is_coordinator=caller.actor.has(Role.COORDINATOR),
        today=dt.date.today().isoformat(),
    )


@router.get("/casussen/{case_id}")
def case_page(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    case_id: RecordId,
) -> Response:
    return _case_page(request, db, caller, keys, case_id)


def _act(
    request: Request,
    db: Session,
    caller: CallerDep,
    keys: KeysDep,
    case_id: RecordId,
    values: dict[str, str],
    step: Any,
    anchor: str,
) -> Response:
    try:
        # A savepoint: refused input leaves nothing half-saved, although the
        # request's transaction goes on to render the page with the message.
        with db.begin_nested():
            step()
    except InvalidInput as exc:
        return _case_page(
            request,
            db,
            caller,
            keys,
            case_id,
            error=str(exc),
            values=values,
            status_code=422,
        )
    return RedirectResponse(f"/casussen/{case_id}#{anchor}", status_code=303)


@router.post("/casussen/{case_id}/uitnodigen", dependencies=COORDINATOR)
def invite(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    case_id: RecordId,
) -> Response:
    values = _values(form)

    def step() -> None:
        org_id = _int(values.get("org_id"))
        if org_id is None:
            raise InvalidInput("organisatie: kies een organisatie.")
        cases.invite(db, caller.actor, case_id, org_id)

    return _act(request, db, caller, keys, case_id, values, step, "deelnemers")


@router.post("/casussen/{case_id}/accepteren", dependencies=COORDINATOR)
def accept(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    case_id: RecordId,
) -> Response:
    return _act(
        request,
        db,
        caller,
        keys,
        case_id,
        {},
        lambda: cases.accept(db, caller.actor, case_id),
        "deelnemers",
    )


@router.post("/casussen/{case_id}/professionals", dependencies=COORDINATOR)
def name_member(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    case_id: RecordId,
) -> Response:
    values = _values(form)

    def step() -> None:
        user_id = _int(values.get("user_id"))
        if user_id is None:
            raise InvalidInput("professional: kies een professional.")
        cases.name_member(db, caller.actor, case_id, user_id)

    return _act(request, db, caller, keys, case_id, values, step, "deelnemers")


@router.post("/casussen/{case_id}/deelname-accepteren")
def accept_membership(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    case_id: RecordId,
) -> Response:
    return _act(
        request,
        db,
        caller,
        keys,
        case_id,
        {},
        lambda: cases.accept_membership(db, caller.actor, case_id),
        "deelnemers",
    )


@router.post("/casussen/{case_id}/status", dependencies=COORDINATOR)
def set_status(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    case_id: RecordId,
) -> Response:
    values = _values(form)
    return _act(
        request,
        db,
        caller,
        keys,
        case_id,
        values,
        lambda: cases.set_status(db, caller.actor, case_id, values.get("status", "")),
        "status",
    )


@router.post("/casussen/{case_id}/bijdragen")
def contribute(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    case_id: RecordId,
) -> Response:
    values = _values(form)
    return _act(
        request,
        db,
        caller,
        keys,
        case_id,
        values,
        lambda: cases.contribute(
            db,
            caller.actor,
            keys,
            case_id,
            values.get("text", ""),
            signal_id=_int(values.get("signal_id")),
            identifying=values.get("identifying") == "ja",
            professional_secrecy=_tri(values.get("professional_secrecy")),
            serious_danger=_tri(values.get("serious_danger")),
            documents=cases.parse_documents(values.get("documents", "")),
        ),
        "bijdragen",
    )


@router.post("/casussen/{case_id}/besluiten", dependencies=COORDINATOR)
def record_decision(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    case_id: RecordId,
) -> Response:
    values = _values(form)
    return _act(
        request,
        db,
        caller,
        keys,
        case_id,
        values,
        lambda: cases.record_decision(
            db,
            caller.actor,
            keys,
            case_id,
            values.get("text", ""),
            values.get("reason", ""),
        ),
        "besluiten",
    )


def _date(value: str | None, name: str = "deadline") -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: gebruik een datum (jjjj-mm-dd).") from None


@router.post("/casussen/{case_id}/acties", dependencies=COORDINATOR)
def add_action(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    case_id: RecordId,
) -> Response:
    values = _values(form)

    def step() -> None:
        cases.add_action(
            db,
            caller.actor,
            keys,
            case_id,
            values.get("text", ""),
            _int(values.get("owner_user_id")),
            _date(values.get("deadline")),
        )

    return _act(request, db, caller, keys, case_id, values, step, "actieplan")


@router.post("/casussen/{case_id}/overleggen", dependencies=COORDINATOR)
def add_meeting(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    case_id: RecordId,
) -> Response:
    values = _values(form)

    def step() -> None:
        cases.add_meeting(
            db,
            caller.actor,
            keys,
            case_id,
            _date(values.get("held_on"), "datum"),
            values.get("title", ""),
        )

    return _act(request, db, caller, keys, case_id, values, step, "overleggen")


@router.post("/casussen/{case_id}/agenda", dependencies=COORDINATOR)
def add_agenda_item(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    case_id: RecordId,
) -> Response:
    values = _values(form)
    return _act(
        request,
        db,
        caller,
        keys,
        case_id,
        values,
        lambda: cases.add_agenda_item(
            db,
            caller.actor,
            keys,
            case_id,
            _int(values.get("meeting_id")),
            values.get("text", ""),
        ),
        "overleggen",
    )


@router.post("/casussen/{case_id}/notulen", dependencies=COORDINATOR)
def add_minute(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    case_id: RecordId,
) -> Response:
    values = _values(form)

    def step() -> None:
        corrects = values.get("corrects_id", "").strip()
        corrects_id = _int(corrects)
        if corrects and corrects_id is None:
            raise InvalidInput("correctie: geef het nummer van de notulenregel.")
        cases.add_minute(
            db,
            caller.actor,
            keys,
            case_id,
            _int(values.get("meeting_id")),
            values.get("text", ""),
            corrects_id,
        )

    return _act(request, db, caller, keys, case_id, values, step, "overleggen")


@router.get("/casussen/{case_id}/verslag.pdf")
def report(
    db: SessionDep, caller: CallerDep, keys: KeysDep, case_id: RecordId
) -> Response:
    """The minutes and action plan as the reader may see them, as PDF."""
    document, filename = case_report.export(db, caller.actor, case_id, keys)
    return pdf_attachment(document, filename)


@router.post("/casus-acties/{action_id}/afgerond")
def complete_action(
    request: Request, db: SessionDep, caller: CallerDep, action_id: RecordId
) -> Response:
    row = cases.complete_action(db, caller.actor, action_id)
    return RedirectResponse(f"/casussen/{row.case_id}#actieplan", status_code=303)


@router.post("/casussen/{case_id}/afsluiten", dependencies=COORDINATOR)
def close(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    keys: KeysDep,
    form: FormDep,
    case_id: RecordId,
) -> Response:
    values = _values(form)
    return _act(
        request,
        db,
        caller,
        keys,
        case_id,
        values,
        lambda: cases.close(
            db,
            caller.actor,
            keys,
            case_id,
            values.get("outcome", ""),
            values.get("reason", ""),
        ),
        "afsluiten",
    )
