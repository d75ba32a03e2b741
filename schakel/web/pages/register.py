"""The register of processing (AVG art. 30): page, CSV, JSON and PDF export.

For privacy officers and administrators of their own organisation; the service
builds the register and audits every view or download.
"""

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schakel.services import register
from schakel.vocabulary import Role
from schakel.web.deps import CallerDep, SessionDep, require_roles
from schakel.web.downloads import attachment, pdf_attachment
from schakel.web.templating import render

router = APIRouter()
_ALLOWED = require_roles(Role.PRIVACY_OFFICER, Role.ADMIN)


def _filename(caller: CallerDep, extension: str) -> str:
    return f"verwerkingsregister-org-{caller.actor.org_id}.{extension}"


@router.get("/verwerkingsregister", dependencies=[_ALLOWED])
def register_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    view = register.build(db, caller.actor)
    return render(request, "verwerkingsregister.html", caller, register=view)


@router.get("/verwerkingsregister.csv", dependencies=[_ALLOWED])
def register_csv(db: SessionDep, caller: CallerDep) -> Response:
    view = register.build(db, caller.actor)
    return attachment(
        register.to_csv(view), _filename(caller, "csv"), "text/csv; charset=utf-8"
    )


@router.get("/verwerkingsregister.json", dependencies=[_ALLOWED])
def register_json(db: SessionDep, caller: CallerDep) -> Response:
    view = register.build(db, caller.actor)
    return attachment(
        json.dumps(view.as_dict(), ensure_ascii=False, indent=2),
        _filename(caller, "json"),
        "application/json",
    )


@router.get("/verwerkingsregister.pdf", dependencies=[_ALLOWED])
def register_pdf(db: SessionDep, caller: CallerDep) -> Response:
    view = register.build(db, caller.actor)
    return pdf_attachment(register.to_document(view), _filename(caller, "pdf"))
