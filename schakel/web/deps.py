"""Request-scoped dependencies as ``Annotated`` aliases.

One database transaction per request: the decision, its audit entry and any delivery
commit together or not at all. The session is bound to the caller's organisation as
soon as the caller is known (see :mod:`schakel.store.tenancy`).
"""

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from schakel.errors import NotPermitted
from schakel.services import accounts
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.settings import Settings
from schakel.store.models import User, WebSession
from schakel.store.tenancy import Scope, set_scope
from schakel.vocabulary import Role

SESSION_COOKIE = "schakel_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):
    """No valid session or token: pages redirect to log-in, the API answers 401."""


class SecondFactorRequired(Exception):
    """Logged in, but the role demands a TOTP step first."""


class CsrfFailed(Exception):
    """A state-changing browser request without the session's CSRF token."""


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    factory = request.app.state.session_factory
    with factory() as session, session.begin():
        yield session


def get_keys(request: Request) -> KeyMaterial:
    keys: KeyMaterial = request.app.state.keys
    return keys


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
KeysDep = Annotated[KeyMaterial, Depends(get_keys)]
#: A record id in a path: bounded to the database's INTEGER range, so an absurd id
#: is a 422 instead of an overflow inside the database driver (a 500).
MAX_RECORD_ID = 2**31 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]
SessionDep = Annotated[Session, Depends(get_db)]


@dataclass(frozen=True)
class Caller:
    """The authenticated caller and how they authenticated."""

    actor: Actor
    user: User
    web_session: WebSession | None

    @property
    def csrf_token(self) -> str:
        return self.web_session.csrf_token if self.web_session else ""


async def request_form(request: Request) -> AsyncIterator[FormData]:
    """The parsed form (async), closed after the request so that an upload's
    temporary file is released. Handlers that touch the database stay synchronous
    so that a blocking query never stalls the event loop; declare this dependency
    before the caller so the form is closed even when the CSRF check refuses."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


FormDep = Annotated[FormData, Depends(request_form)]


async def _csrf_value(request: Request) -> str | None:
    if request.method not in UNSAFE_METHODS:
        return None
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def get_caller(
    request: Request,
    db: SessionDep,
    supplied: Annotated[str | None, Depends(_csrf_value)],
) -> Caller:
    """Bearer token (API clients) or session cookie (browsers, CSRF-checked)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = accounts.resolve_api_token(db, auth[7:].strip())
        if user is None:
            raise LoginRequired()
        set_scope(db, Scope.for_org(user.org_id))
        return Caller(Actor.of(user), user, None)
    token = request.cookies.get(SESSION_COOKIE)
    resolved = accounts.resolve_session(db, token) if token else None
    if resolved is None:
        raise LoginRequired()
    web_session, user = resolved
    if accounts.needs_second_factor(user) and not web_session.totp_passed:
        if not request.url.path.startswith(("/tweestapsverificatie", "/logout")):
            raise SecondFactorRequired()
    if request.method in UNSAFE_METHODS:
        if not supplied or not secrets.compare_digest(supplied, web_session.csrf_token):
            raise CsrfFailed()
    set_scope(db, Scope.for_org(user.org_id))
    return Caller(Actor.of(user), user, web_session)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_roles(*roles: Role) -> Any:
    """A route dependency that answers 403 unless the caller has one of ``roles``."""

    def check(caller: CallerDep) -> Caller:
        if not caller.actor.has(*roles):
            raise NotPermitted("Uw rol geeft geen toegang tot deze functie.")
        return caller

    return Depends(check)


def current_actor(caller: CallerDep) -> Actor:
    return caller.actor


ActorDep = Annotated[Actor, Depends(current_actor)]
