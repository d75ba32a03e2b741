"""Web security: CSRF on every state-changing route, session fixation and logout,
security headers on every page, cookie flags, bounded input sizes.

The route walk reuses the declared policy of test_route_policy, so a new POST route
is covered here the moment it gets a policy entry.
"""

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from schakel.store.models import AuditEntry
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import Role
from schakel.web.security import SECURITY_HEADERS
from tests.factory import PASSWORD, SAMPLE_QUESTION, OrgFixture, World, login
from tests.web.test_route_policy import POLICY, ROUTES


#: The walk runs on SQLite: it proves the web layer's answers per route; tenancy on
#: PostgreSQL (filters and row-level security) is proven in tests/store and
#: tests/services, which run on both backends. Keeps the suite inside its budget.
@pytest.fixture
def engine(sqlite_engine):
    return sqlite_engine


STATE_CHANGING = [(m, p) for m, p in ROUTES if m in {"POST", "PUT", "PATCH", "DELETE"}]
#: Public by design: the log-in form has no session yet to bind a token to (its
#: SameSite=Lax cookie is the mitigation; see SECURITY.md).
NO_CSRF_BY_DESIGN = {("POST", "/login")}
GET_PAGES = [(m, p) for m, p in ROUTES if m == "GET"]


def _owner(world: World, method: str, path: str) -> OrgFixture:
    """The world organisation that may use the route: the owner of its record, else
    the first whose type the policy allows (screening: the police)."""
    policy = POLICY[(method, path)]
    if policy.owned:
        return world.a if policy.owner == "a" else world.b
    for org in (world.a, world.b):
        if any(policy.permits(org.org_type, role) for role in Role):
            return org
    return world.a


def _user_for(world: World, method: str, path: str) -> str:
    policy = POLICY[(method, path)]
    org = _owner(world, method, path)
    permitted = [r for r in Role if policy.permits(org.org_type, r)]
    return org.users[permitted[0] if permitted else Role.PROFESSIONAL]


def _record(world: World, method: str, path: str) -> int | None:
    owned = POLICY[(method, path)].owned
    records = _owner(world, method, path).records.get(owned or "")
    return records[0] if records else None


def _path(world: World, path: str, method: str) -> str:
    """The path with the owner's record, or an id that does not exist when the
    world has no such record (the CSRF check comes before any lookup)."""
    owned = POLICY[(method, path)].owned
    if owned:
        record = _record(world, method, path) or 999999
        return path.replace("{" + owned + "}", str(record))
    return path


def _form() -> dict[str, str]:
    return {
        "question": json.dumps(SAMPLE_QUESTION),
        "note": "csrf-test",
        "code": "123456",
        "recipient": "police",
        "purpose": "investigation",
        "data": "identifying",
        "subject": "possible_victim",
    }


def _audit_length(world: World) -> int:
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)))


def test_the_walk_finds_state_changing_routes():
    assert len(STATE_CHANGING) >= 5
    assert ("POST", "/logout") in STATE_CHANGING


@pytest.mark.parametrize(
    ("method", "path"), [r for r in STATE_CHANGING if r not in NO_CSRF_BY_DESIGN]
)
def test_state_changing_routes_refuse_a_session_without_csrf_token(
    client, world, method, path
):
    csrf = login(client, world, _user_for(world, method, path))
    before = _audit_length(world)
    url = _path(world, path, method)
    if path.startswith("/api/"):
        missing = client.request(method, url, json=SAMPLE_QUESTION)
        wrong = client.request(
            method, url, json=SAMPLE_QUESTION, headers={"X-CSRF-Token": "x" + csrf}
        )
    else:
        missing = client.request(method, url, data=_form())
        wrong = client.request(
            method, url, data={**_form(), "csrf_token": csrf[:-1] + "x"}
        )
    assert missing.status_code == 403, missing.text
    assert wrong.status_code == 403, wrong.text
    assert _audit_length(world) == before, "a refused request changed state"
    assert client.get("/").status_code == 200, "the session itself stays valid"


def _log_in(client: TestClient, username: str) -> str:
    """Log in through the form; returns the session token the server issued."""
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return response.cookies["schakel_session"]


def test_a_preset_session_cookie_is_never_adopted(client, world):
    client.cookies.set("schakel_session", "attacker-chosen-value")
    issued = _log_in(client, "utrecht.medewerker")
    assert issued and issued != "attacker-chosen-value"
    stranger = TestClient(client.app, follow_redirects=False)
    stranger.cookies.set("schakel_session", "attacker-chosen-value")
    assert stranger.get("/").status_code == 303


def test_logging_in_over_someone_elses_session_issues_a_new_one(client, world):
    planted = _log_in(client, "avim.medewerker")
    client.cookies.clear()
    client.cookies.set("schakel_session", planted)
    own = _log_in(client, "utrecht.medewerker")
    assert own != planted
    other = TestClient(client.app, follow_redirects=False)
    other.cookies.set("schakel_session", planted)
    assert other.get("/api/v1/me").json()["user"]["username"] == "avim.medewerker"
    other.cookies.set("schakel_session", own)
    assert other.get("/api/v1/me").json()["user"]["username"] == "utrecht.medewerker"


def test_logout_ends_the_session_on_the_server(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    token = client.cookies["schakel_session"]
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    replay = TestClient(client.app, follow_redirects=False)
    replay.cookies.set("schakel_session", token)
    assert replay.get("/").status_code == 303
    assert replay.get("/api/v1/me").status_code == 401


def _assert_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.request.url)
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "unsafe-eval" not in response.headers["content-security-policy"]
    assert response.headers.get("cache-control") == "no-store"


@pytest.mark.parametrize(("method", "path"), GET_PAGES)
def test_security_headers_on_every_page(client, world, method, path):
    policy = POLICY[(method, path)]
    if not policy.public:
        login(client, world, _user_for(world, method, path))
    org = _owner(world, method, path)
    allowed = policy.public or any(policy.permits(org.org_type, r) for r in Role)
    response = client.get(_path(world, path, method))
    # The world has no CoMensha organisation; a submitted signal is not editable;
    # the world holds no data-subject requests.
    expected = (
        403
        if not allowed
        else 404
        if policy.owned and _record(world, method, path) is None
        else 303
        if path.endswith("/bewerken")
        else 200
    )
    assert response.status_code == expected, response.text
    _assert_security_headers(response)


@pytest.mark.parametrize(
    "path", ["/bestaat-niet", "/api/v1/bestaat-niet", "/", "/api/v1/me"]
)
def test_security_headers_on_errors_and_redirects(client, path):
    response = client.get(path)
    assert response.status_code in (303, 401, 404)
    _assert_security_headers(response)


def test_static_files_have_headers_but_may_be_cached(client):
    response = client.get("/static/schakel.css")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers.get("cache-control") != "no-store"


def test_cookies_are_secure_httponly_and_samesite_when_configured(settings, world):
    from schakel.web.app import create_app

    app = create_app(settings.model_copy(update={"secure_cookies": True}))
    with TestClient(app, follow_redirects=False) as secure_client:
        response = secure_client.post(
            "/login?lang=nl",
            data={"username": "utrecht.medewerker", "password": PASSWORD},
        )
    app.state.engine.dispose()
    assert response.status_code == 303
    cookies = response.headers.get_list("set-cookie")
    assert {c.split("=", 1)[0] for c in cookies} == {"schakel_session", "schakel_lang"}
    for cookie in cookies:
        assert re.search(r";\s*Secure", cookie), cookie
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie, cookie


def test_session_cookie_is_not_secure_by_default_over_http(client, world):
    response = client.post(
        "/login", data={"username": "utrecht.medewerker", "password": PASSWORD}
    )
    assert "Secure" not in response.headers["set-cookie"]


@pytest.mark.parametrize(
    ("path", "field", "limit"),
    [("/login", "username", 100), ("/login", "password", 1000)],
)
def test_login_fields_are_bounded(client, path, field, limit):
    data = {"username": "x", "password": "y", field: "a" * (limit + 1)}
    assert client.post(path, data=data).status_code == 422


def test_saved_reasoning_fields_are_bounded(client, world):
    csrf = login(client, world, "utrecht.medewerker")
    response = client.post(
        "/verantwoordingen",
        data={"question": "{" + " " * 4001 + "}", "csrf_token": csrf},
    )
    assert response.status_code == 422


@pytest.mark.parametrize("record", ["0", "-1", str(2**63), "99999999999999999999"])
def test_absurd_record_ids_are_422_not_500(client, world, record):
    csrf = login(client, world, "utrecht.medewerker")
    page = client.get(f"/verantwoordingen/{record}")
    api = client.get(f"/api/v1/decisions/{record}", headers={"X-CSRF-Token": csrf})
    assert page.status_code == api.status_code == 422


def test_uploads_are_limited_in_size_and_type(client, world):
    """Every upload route refuses an oversized file and a non-text file (422)."""
    csrf = login(client, world, "utrecht.medewerker")
    big = b"description\n" + b"x" * (5 * 1024 * 1024 + 10)
    too_big = client.post(
        "/signalen/import",
        data={"csrf_token": csrf},
        files={"bestand": ("groot.csv", big, "text/csv")},
    )
    assert too_big.status_code == 422 and "5 MB" in too_big.text
    binary = client.post(
        "/signalen/import",
        data={"csrf_token": csrf},
        files={"bestand": ("plaatje.png", b"\x89PNG\r\n\x1a\n\xff\xfe", "image/png")},
    )
    assert binary.status_code == 422
    client.cookies.clear()
    csrf = login(client, world, "avim.medewerker")
    screening = client.post(
        "/screening",
        data={"csrf_token": csrf},
        files={"bestand": ("groot.jsonl", big, "application/jsonl")},
    )
    assert screening.status_code == 422


def test_a_share_the_gate_refuses_is_audited_through_the_api(client, world):
    """The gate records a refusal before it refuses; through the API the refusal
    rolled back with the 403 and left no trace (the form page kept it)."""
    csrf = login(client, world, "utrecht.medewerker")
    signal_id = world.a.records["signal_id"][0]

    def refusals() -> int:
        with scoped_transaction(world.factory, Scope.system_wide()) as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(AuditEntry.action == "share.refused")
                )
            )

    before = refusals()
    answer = client.post(
        f"/api/v1/signals/{signal_id}/route",
        json={"recipient_org_id": world.b.id, "purpose": "research", "confirm": True},
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert refusals() == before + 1
