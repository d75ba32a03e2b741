"""Dashboard, users, audit view and the API docs page."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schakel.services import dashboard, directory, rights
from schakel.vocabulary import Role
from schakel.web.deps import CallerDep, SessionDep, require_roles
from schakel.web.templating import render

router = APIRouter()


@router.get("/")
def home(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    summary = dashboard.summary(db, caller.actor)
    due = (
        rights.due(db, caller.actor) if caller.actor.has(Role.PRIVACY_OFFICER) else None
    )
    return render(request, "dashboard.html", caller, summary=summary, rights_due=due)


@router.get("/gebruikers", dependencies=[require_roles(Role.ADMIN)])
def users_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    return render(
        request, "users.html", caller, users=directory.users_of(db, caller.actor)
    )


@router.get("/audit", dependencies=[require_roles(Role.PRIVACY_OFFICER, Role.ADMIN)])
def audit_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    view = dashboard.audit_view(db, caller.actor)
    return render(request, "audit.html", caller, view=view)


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    """Public, as the API Design Rules ask: the published OpenAPI document."""
    return render(request, "api_docs.html", openapi_url="/api/v1/openapi.json")
