"""A write is committed before it is acknowledged.

The request's transaction must end before the first byte of the response leaves the
server: otherwise a client holds a 201 for a write that a crash, or a commit that
fails, then loses, and its next request may not see what it was just told exists.
The crash test (test_crash.py) found this; here it is pinned down deterministically
by recording, at the ASGI boundary, the order of the database commit and the
response messages.
"""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, func, select

from schakel.services import accounts
from schakel.settings import Settings
from schakel.store.models import Signal, User
from schakel.store.tenancy import Scope, scoped_transaction
from tests.factory import SAMPLE_SIGNAL, World


def _token(world: World, username: str) -> str:
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return accounts.create_api_token(session, user, "ack")


def _call(app: Any, method: str, path: str, body: bytes, headers: dict[str, str]):
    """One request straight through ASGI; returns what happened, in order."""
    events: list[str] = []
    event.listen(app.state.engine, "commit", lambda _: events.append("commit"))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            events.append(f"response {message['status']}")

    # A thread of its own: the browser tests' Playwright keeps an event loop running
    # in the main thread for the whole session, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return events


@pytest.fixture
def app(settings: Settings, world: World):
    from schakel.web.app import create_app

    application = create_app(settings)
    yield application
    application.state.engine.dispose()


def test_signal_intake_commits_before_the_201(app, world: World) -> None:
    headers = {
        "authorization": f"Bearer {_token(world, 'utrecht.medewerker')}",
        "content-type": "application/json",
    }
    body = json.dumps({"signal": SAMPLE_SIGNAL}).encode()
    events = _call(app, "POST", "/api/v1/signals", body, headers)
    assert "response 201" in events
    assert "commit" in events[: events.index("response 201")], events


def test_a_refused_write_rolls_back_before_the_answer(app, world: World) -> None:
    """A 422 from a handler's validation: nothing committed, nothing stored."""
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        before = session.scalar(select(func.count()).select_from(Signal))
    headers = {
        "authorization": f"Bearer {_token(world, 'utrecht.medewerker')}",
        "content-type": "application/json",
    }
    body = json.dumps({"signal": {**SAMPLE_SIGNAL, "forms": [], "indicators": []}})
    events = _call(app, "POST", "/api/v1/signals", body.encode(), headers)
    assert events[-1].startswith("response 4"), events
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        assert session.scalar(select(func.count()).select_from(Signal)) == before


def test_log_in_commits_the_session_before_the_redirect(app, world: World) -> None:
    """Found by the crash test: the browser followed the 303 of the log-in before
    its session was committed, and was sent back to the log-in page."""
    body = b"username=utrecht.medewerker&password=correct-horse-battery-staple"
    headers = {"content-type": "application/x-www-form-urlencoded"}
    events = _call(app, "POST", "/login", body, headers)
    assert "response 303" in events
    assert "commit" in events[: events.index("response 303")], events
