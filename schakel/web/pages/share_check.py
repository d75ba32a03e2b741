"""Wizard "Mag ik dit delen?", saved reasonings (verantwoordingen) and the rules page.

The wizard is one form that works without JavaScript; htmx swaps only the part
below the basic questions (``hx-select``), so the page asks only the facts that
still change the decision.
"""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from schakel.rules import InvalidQuestion, Question, parse_question
from schakel.services import share_check
from schakel.services.actor import Actor
from schakel.vocabulary import (
    Consent,
    Covenant,
    DataCategory,
    OrgType,
    Purpose,
    SubjectRole,
    label,
)
from schakel.web.deps import CallerDep, FormDep, RecordId, SessionDep
from schakel.web.templating import render

router = APIRouter()
BOOL_FIELDS = ("subject_minor", "professional_secrecy", "serious_danger")
CHOICE_FIELDS = {"consent": Consent, "covenant": Covenant}
OPTIONAL_FIELDS = (*BOOL_FIELDS, *CHOICE_FIELDS)


def question_from_form(form: FormData, actor: Actor) -> dict[str, Any]:
    """Map form values (ja/nee/onbekend, empty = unknown) to a contract question."""
    raw: dict[str, Any] = {
        "sender": actor.org_type.value,
        "recipient": form.get("recipient") or None,
        "purpose": form.get("purpose") or None,
        "data": [str(v) for v in form.getlist("data")],
        "subject": form.get("subject") or None,
        "anonymised": form.get("anonymised") == "ja",
    }
    for name in BOOL_FIELDS:
        value = form.get(name)
        if value in ("ja", "nee"):
            raw[name] = value == "ja"
    for name in CHOICE_FIELDS:
        value = form.get(name)
        if value:
            raw[name] = value
    return {k: v for k, v in raw.items() if v is not None}


def _options() -> dict[str, list[tuple[str, str]]]:
    return {
        "recipient": [(o.value, label(o)) for o in OrgType],
        "purpose": [(p.value, label(p)) for p in Purpose],
        "data": [(d.value, label(d)) for d in DataCategory],
        "subject": [(s.value, label(s)) for s in SubjectRole],
        "consent": [(c.value, label(c)) for c in Consent],
        "covenant": [(c.value, label(c)) for c in Covenant],
    }


def _wizard(
    request: Request,
    caller: CallerDep,
    raw: dict[str, Any],
    answer: Any = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    asked = [
        f
        for f in OPTIONAL_FIELDS
        if f in raw or (answer is not None and f in answer.missing)
    ]
    return render(
        request,
        "share_check.html",
        caller,
        status_code=status_code,
        raw=raw,
        answer=answer,
        error=error,
        asked=asked,
        options=_options(),
        questions=share_check.question_texts(),
        bool_fields=BOOL_FIELDS,
        question_json=json.dumps(raw) if answer is not None else "",
    )


@router.get("/mag-ik-dit-delen")
def wizard(request: Request, caller: CallerDep) -> Response:
    return _wizard(request, caller, {"data": []})


@router.post("/mag-ik-dit-delen")
def wizard_answer(
    request: Request, db: SessionDep, caller: CallerDep, form: FormDep
) -> Response:
    raw = question_from_form(form, caller.actor)
    try:
        question = parse_question(raw)
    except InvalidQuestion as exc:
        return _wizard(request, caller, raw, error=str(exc), status_code=422)
    answer = share_check.ask(db, caller.actor, question)
    return _wizard(request, caller, raw, answer=answer)


@router.post("/verantwoordingen")
def save_reasoning(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    question: Annotated[str, Form(max_length=4000)],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        parsed: Question = parse_question(json.loads(question))
    except (json.JSONDecodeError, InvalidQuestion) as exc:
        return render(request, "error.html", caller, status_code=422, detail=str(exc))
    row = share_check.save_reasoning(db, caller.actor, parsed, note)
    return RedirectResponse(f"/verantwoordingen/{row.id}", status_code=303)


@router.get("/verantwoordingen")
def reasonings(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    rows = share_check.list_reasonings(db, caller.actor)
    return render(request, "reasonings.html", caller, rows=rows)


@router.get("/verantwoordingen/{decision_id}")
def reasoning(
    request: Request, db: SessionDep, caller: CallerDep, decision_id: RecordId
) -> Response:
    row = share_check.get_reasoning(db, caller.actor, decision_id)
    return render(
        request,
        "reasoning.html",
        caller,
        row=row,
        questions=share_check.question_texts(),
    )


@router.get("/regels")
def rules_page(request: Request, caller: CallerDep) -> Response:
    version, rules = share_check.rules_overview()
    return render(request, "rules.html", caller, version=version, rules=rules)
