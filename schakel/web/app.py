"""The FastAPI application factory: JSON API under ``/api/v1``, pages, static files."""

from importlib.resources import files
from urllib.parse import quote

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import schakel
from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.services.keys import KeyMaterial
from schakel.settings import Settings, get_settings
from schakel.store import (
    audit_log,
    tenancy,  # noqa: F401  (registers the tenancy filters)
)
from schakel.store.db import (
    check_connection,
    is_postgres,
    make_engine,
    make_session_factory,
)
from schakel.web import templating
from schakel.web.deps import (
    CsrfFailed,
    LoginRequired,
    SecondFactorRequired,
    admission_limit,
)
from schakel.web.i18n import current_language, pick_language
from schakel.web.problems import problem, validation_problem
from schakel.web.security import SecurityHeaders
from schakel.web.throttle import LoginThrottle

API_PREFIX = "/api/v1"
LANG_COOKIE = "schakel_lang"


class LanguageMiddleware:
    """The request's language in a context variable; an explicit ``?lang=`` choice
    is remembered in a cookie. Pure ASGI, like :class:`SecurityHeaders`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        chosen = connection.query_params.get("lang")
        language = pick_language(chosen, connection.cookies.get(LANG_COOKIE))
        token = current_language.set(language)
        target = send
        if chosen == language:
            settings: Settings = scope["app"].state.settings
            cookie = Response()
            cookie.set_cookie(
                LANG_COOKIE,
                language,
                samesite="lax",
                httponly=True,
                secure=settings.secure_cookies or scope.get("scheme") == "https",
                max_age=365 * 24 * 3600,
            )
            set_cookie = cookie.headers["set-cookie"]

            async def send_with_cookie(message: Message) -> None:
                if message["type"] == "http.response.start":
                    MutableHeaders(scope=message).append("set-cookie", set_cookie)
                await send(message)

            target = send_with_cookie
        try:
            await self.app(scope, receive, target)
        finally:
            current_language.reset(token)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return validation_problem(exc)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return problem(
                401, "Niet ingelogd", "Log in of gebruik een geldig API-token."
            )
        target = quote(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(SecondFactorRequired)
    async def _second(request: Request, exc: SecondFactorRequired) -> Response:
        if _is_api(request):
            return problem(403, "Tweestapsverificatie vereist")
        return RedirectResponse("/tweestapsverificatie", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return _error(
            request,
            403,
            "Ongeldig formulier (CSRF-controle mislukt). Laad de pagina opnieuw.",
        )

    @app.exception_handler(NotPermitted)
    async def _forbidden(request: Request, exc: NotPermitted) -> Response:
        return _error(request, 403, str(exc))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, exc: InvalidInput) -> Response:
        return _error(request, 422, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        response = _error(request, exc.status_code, str(exc.detail))
        # Keep the exception's headers (e.g. ``Allow`` on a 405, RFC 9110).
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = _allowed_methods(request)
        return response


def _allowed_methods(request: Request) -> str:
    """Every method of every route on this path: Starlette's own ``Allow`` names
    only the first matching route's, while GET and POST often are two routes."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


TITLES = {
    400: "Onleesbaar verzoek",
    401: "Niet ingelogd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    413: "Te groot",
    422: "Ongeldige invoer",
    429: "Te veel verzoeken",
}


def _error(request: Request, status: int, detail: str) -> Response:
    title = TITLES.get(status, "Fout")
    if _is_api(request):
        return problem(status, title, detail)
    return templating.render_error(request, status, title, detail)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; fails with one clear line when the database is unreachable."""
    settings = settings or get_settings()
    # One connection per request thread, plus the matching and retention threads.
    engine = make_engine(
        settings.effective_database_url,
        pool_size=settings.web_threads + 2,
        max_overflow=4,
    )
    check_connection(engine)
    app = FastAPI(
        title="Schakel API",
        version=schakel.__version__,
        description="Rechtmatig en zorgvuldig informatie delen tegen mensenhandel.",
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.db_admission = anyio.Semaphore(
        admission_limit(is_postgres(engine), settings.web_threads)
    )
    app.state.keys = KeyMaterial.from_settings(settings)
    app.state.login_throttle = LoginThrottle()
    if settings.audit_signing_key:
        policy = audit_log.CheckpointPolicy.from_seed(
            settings.audit_signing_key, settings.audit_checkpoint_every
        )
        audit_log.enable_checkpoints(app.state.session_factory, policy)
        _start_checkpoint_timer(app, policy)
    _limit_request_threads(app, settings.web_threads)
    _start_retention_scheduler(app, settings)
    _start_match_worker(app, settings)
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(SecurityHeaders)
    _install_error_handlers(app)
    static_dir = str(files("schakel.web").joinpath("static"))
    app.mount("/static", StaticFiles(directory=static_dir), name="static")

    from schakel.web.api import router as api_router
    from schakel.web.pages import router as pages_router

    app.include_router(api_router, prefix=API_PREFIX)
    app.include_router(pages_router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": schakel.__version__})

    return app


#: How often the web app checks whether the audit head is due for a signature.
CHECKPOINT_CHECK_MINUTES = 60


def _start_checkpoint_timer(app: FastAPI, policy: audit_log.CheckpointPolicy) -> None:
    """Sign the audit head at least daily, also on a day without new entries
    (:func:`schakel.store.audit_log.checkpoint_if_due`)."""
    from schakel.services import retention
    from schakel.store.tenancy import Scope, scoped_transaction

    factory = app.state.session_factory

    def sign_if_due() -> None:
        with scoped_transaction(factory, Scope.system_wide()) as session:
            audit_log.checkpoint_if_due(session, policy)

    timer = retention.Scheduler(CHECKPOINT_CHECK_MINUTES, sign_if_due, "checkpoint")
    app.state.checkpoint_timer = timer
    app.router.on_startup.append(timer.start)
    app.router.on_shutdown.append(timer.stop)


def _start_retention_scheduler(app: FastAPI, settings: Settings) -> None:
    """With ``SCHAKEL_RETENTION_INTERVAL_MINUTES`` > 0, retention runs in a
    background thread from start-up to shutdown of the app."""
    if settings.retention_interval_minutes <= 0:
        return
    from schakel.services import retention

    factory, keys = app.state.session_factory, app.state.keys
    scheduler = retention.Scheduler(
        settings.retention_interval_minutes,
        lambda: retention.run_system(factory, keys),
    )
    app.state.retention_scheduler = scheduler
    app.router.on_startup.append(scheduler.start)
    app.router.on_shutdown.append(scheduler.stop)


def _limit_request_threads(app: FastAPI, threads: int) -> None:
    """Run at most ``threads`` synchronous handlers at once (Starlette's default is
    40): more threads only queue for the database pool and the interpreter lock,
    and stretch the audit append that every request ends with."""

    def limit() -> None:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = threads

    app.router.on_startup.append(limit)


def _start_match_worker(app: FastAPI, settings: Settings) -> None:
    """With ``SCHAKEL_MATCH_POLL_SECONDS`` > 0, the hit/no-hit queue is drained in a
    background thread from start-up to shutdown (``schakel serve`` turns it on)."""
    if settings.match_poll_seconds <= 0:
        return
    from schakel.services import match_queue

    worker = match_queue.Worker(app.state.session_factory, settings.match_poll_seconds)
    app.state.match_worker = worker
    app.router.on_startup.append(worker.start)
    app.router.on_shutdown.append(worker.stop)


def app_factory() -> FastAPI:
    """For ``uvicorn --factory schakel.web.app:app_factory`` (and the processes of
    ``schakel serve --workers``)."""
    app = create_app()
    app.router.on_startup.append(freeze_startup_heap)
    return app


def freeze_startup_heap() -> None:
    """Move everything built at start-up (routes, schemas, models, catalogues) out
    of the garbage collector's view: a server process otherwise re-scans those
    hundreds of thousands of objects in every full collection, which showed up as
    several per cent of the time of each request."""
    import gc

    gc.collect()
    gc.freeze()


__all__ = ["app_factory", "create_app", "freeze_startup_heap"]
