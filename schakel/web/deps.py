"""Request-scoped dependencies as ``Annotated`` aliases.

One database transaction per request: the decision, its audit entry and any delivery
commit together or not at all. The session is bound to the caller's organisation as
soon as the caller is known (see :mod:`schakel.store.tenancy`).
"""

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, Path, Request
from pydantic import Field, StrictInt
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
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


# Dependencies that do no IO are ``async def``: FastAPI runs a plain ``def``
# dependency in the thread pool, and every such hop costs CPU on each request.


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def admission_limit(engine_is_postgres: bool, request_threads: int) -> int:
    """How many requests of one process may hold a database transaction at once.

    A request's transaction spans several hops through the thread pool (the caller,
    the handler, the commit). If every pool thread were taken by requests waiting
    for a lock (SQLite's write lock, which every transaction takes at its first
    query; a PostgreSQL row lock or pool connection) that an admitted request holds,
    that request could never get a thread to finish: a deadlock that ends only in
    SQLite's busy time-out (found by ``benchmarks/api_load.py``: 16 clients against
    8 threads). Admitting at most as many requests as there are threads, and one at
    a time on SQLite (which serialises them anyway), keeps a thread for the holder;
    the others wait in the event loop, where waiting costs no thread."""
    return request_threads if engine_is_postgres else 1


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's session; its transaction commits after the handler, or rolls
    back when the handler raised. Opening it does no IO (the connection is taken at
    the first query), so only the commit goes to the thread pool."""
    admission: anyio.Semaphore = request.app.state.db_admission
    async with admission:
        session: Session = request.app.state.session_factory()
        session.begin()
        try:
            yield session
        except BaseException:
            with anyio.CancelScope(shield=True):  # also when the client went away
                await run_in_threadpool(_end, session, False)
            raise
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_end, session, True)


async def get_keys(request: Request) -> KeyMaterial:
    keys: KeyMaterial = request.app.state.keys
    return keys


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
KeysDep = Annotated[KeyMaterial, Depends(get_keys)]
#: A record id in a path: bounded to the database's INTEGER range, so an absurd id
#: is a 422 instead of an overflow inside the database driver (a 500).
MAX_RECORD_ID = 2**31 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]
#: A record id in a JSON body, bounded the same way (and never a float or string).
BodyRecordId = Annotated[StrictInt, Field(ge=1, le=MAX_RECORD_ID)]
#: ``scope="function"``: the transaction commits (or rolls back) when the handler
#: returns, before the response is sent. With FastAPI's default ("request") it ended
#: after the response: a client could hold a 201 for a write that a crash (or a
#: failing commit) then lost, and a follow-up request could miss it
#: (tests/reliability).
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


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

    async def check(caller: CallerDep) -> Caller:
        if not caller.actor.has(*roles):
            raise NotPermitted("Uw rol geeft geen toegang tot deze functie.")
        return caller

    return Depends(check)


async def current_actor(caller: CallerDep) -> Actor:
    return caller.actor


ActorDep = Annotated[Actor, Depends(current_actor)]
