"""Log-in, log-out and two-factor enrolment."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from schakel.errors import InvalidInput
from schakel.services import accounts
from schakel.web.deps import SESSION_COOKIE, CallerDep, SessionDep, SettingsDep
from schakel.web.templating import render
from schakel.web.throttle import LoginThrottle

router = APIRouter()


def _throttle(request: Request) -> "LoginThrottle":
    """One throttle per app instance (not per module), so apps never share counts."""
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def _safe_next(target: str | None) -> str:
    """Only local paths: no open redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login")
def login(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form()] = "/",
    totp: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    client = request.client.host if request.client else "unknown"
    if _throttle(request).blocked(client):
        return render(
            request,
            "login.html",
            status_code=429,
            next=_safe_next(next),
            error="Te veel mislukte pogingen. Probeer het over enkele minuten opnieuw.",
        )
    try:
        user = accounts.authenticate(
            db,
            username,
            password,
            max_failures=settings.login_max_failures,
            lockout_minutes=settings.login_lockout_minutes,
        )
    except accounts.LoginFailed:
        _throttle(request).record_failure(client)
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            error=True,
            username=username,
        )
    totp_passed = bool(user.totp_enabled and totp and accounts.verify_totp(user, totp))
    if user.totp_enabled and not totp_passed:
        _throttle(request).record_failure(client)
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            error=True,
            username=username,
        )
    _throttle(request).reset(client)
    new = accounts.start_session(
        db, user, hours=settings.session_hours, totp_passed=totp_passed
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies or request.url.scheme == "https",
        max_age=int(settings.session_hours * 3600),
    )
    return response


@router.post("/logout")
def logout(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    accounts.end_session(db, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/tweestapsverificatie")
def totp_page(request: Request, db: SessionDep, caller: CallerDep) -> Response:
    user = caller.user
    if caller.web_session is not None and caller.web_session.totp_passed:
        return RedirectResponse("/", status_code=303)
    if not user.totp_secret or user.totp_enabled:
        if not user.totp_enabled:
            accounts.begin_totp_enrolment(user)
    return render(
        request,
        "totp.html",
        caller,
        enrolled=user.totp_enabled,
        secret=None if user.totp_enabled else user.totp_secret,
        uri=None if user.totp_enabled else accounts.totp_uri(user),
        error=None,
    )


@router.post("/tweestapsverificatie")
def totp_confirm(
    request: Request,
    db: SessionDep,
    caller: CallerDep,
    code: Annotated[str, Form(max_length=12)],
) -> Response:
    user, web_session = caller.user, caller.web_session
    if web_session is None:
        return RedirectResponse("/login", status_code=303)
    try:
        if user.totp_enabled:
            if not accounts.verify_totp(user, code):
                raise InvalidInput("code: de code klopt niet.")
            web_session.totp_passed = True
        else:
            accounts.confirm_totp(db, user, web_session, code)
    except InvalidInput as exc:
        return render(
            request,
            "totp.html",
            caller,
            status_code=422,
            enrolled=user.totp_enabled,
            secret=None if user.totp_enabled else user.totp_secret,
            uri=None if user.totp_enabled else accounts.totp_uri(user),
            error=str(exc),
        )
    return RedirectResponse("/", status_code=303)
