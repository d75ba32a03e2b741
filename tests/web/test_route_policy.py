"""Every route of the app against a declared policy: anonymous, other organisation,
wrong role and owner. Routes are read from the router, so a new route without an
entry in POLICY fails here until someone decides who may use it."""

from dataclasses import dataclass

import pytest
from fastapi.routing import iter_route_contexts

from schakel.vocabulary import Role
from tests.factory import CASE_MARKER, SAMPLE_QUESTION, SAMPLE_SIGNAL, login


#: The walk runs on SQLite: it proves the web layer's answers per route; tenancy on
#: PostgreSQL (filters and row-level security) is proven in tests/store and
#: tests/services, which run on both backends. Keeps the suite inside its budget.
@pytest.fixture
def engine(sqlite_engine):
    return sqlite_engine


@dataclass(frozen=True)
class Policy:
    access: str  # "public" | "user" | role name
    owned: str | None = None  # record kind whose id fills the path parameter
    owner: str = "a"  # world organisation owning that record; the other is the stranger


POLICY: dict[tuple[str, str], Policy] = {
    ("GET", "/healthz"): Policy("public"),
    ("GET", "/login"): Policy("public"),
    ("POST", "/login"): Policy("public"),
    ("GET", "/api/docs"): Policy("public"),
    ("GET", "/api/v1/openapi.json"): Policy("public"),
    ("POST", "/logout"): Policy("user"),
    ("GET", "/tweestapsverificatie"): Policy("user"),
    ("POST", "/tweestapsverificatie"): Policy("user"),
    ("GET", "/"): Policy("user"),
    ("GET", "/gebruikers"): Policy("admin"),
    ("GET", "/audit"): Policy("privacy_officer"),
    ("GET", "/verwerkingsregister"): Policy("privacy_officer"),
    ("GET", "/verwerkingsregister.csv"): Policy("privacy_officer"),
    ("GET", "/verwerkingsregister.json"): Policy("privacy_officer"),
    ("GET", "/mag-ik-dit-delen"): Policy("user"),
    ("POST", "/mag-ik-dit-delen"): Policy("user"),
    ("GET", "/verantwoordingen"): Policy("user"),
    ("POST", "/verantwoordingen"): Policy("user"),
    ("GET", "/verantwoordingen/{decision_id}"): Policy("user", owned="decision_id"),
    ("GET", "/regels"): Policy("user"),
    ("GET", "/api/v1/me"): Policy("user"),
    ("GET", "/api/v1/organisations"): Policy("user"),
    ("GET", "/api/v1/users"): Policy("admin"),
    ("POST", "/api/v1/share-check"): Policy("user"),
    ("POST", "/api/v1/decisions"): Policy("user"),
    ("GET", "/api/v1/decisions"): Policy("user"),
    ("GET", "/api/v1/decisions/{decision_id}"): Policy("user", owned="decision_id"),
    ("GET", "/signalen"): Policy("user"),
    ("GET", "/signalen/nieuw"): Policy("user"),
    ("GET", "/signalen/import"): Policy("user"),
    ("POST", "/signalen/import"): Policy("user"),
    ("POST", "/signalen/nieuw"): Policy("user"),
    ("GET", "/signalen/{signal_id}"): Policy("user", owned="signal_id"),
    ("GET", "/signalen/{signal_id}/bewerken"): Policy("user", owned="signal_id"),
    ("POST", "/signalen/{signal_id}/bewerken"): Policy("user", owned="signal_id"),
    ("POST", "/signalen/{signal_id}/doorzetten"): Policy("user", owned="signal_id"),
    ("POST", "/signalen/{signal_id}/toestemming-intrekken"): Policy(
        "user", owned="signal_id"
    ),
    ("GET", "/inbox"): Policy("user"),
    ("GET", "/netwerk"): Policy("coordinator", owner="b"),  # police/RIEC analysts
    ("GET", "/inbox/{share_id}"): Policy("user", owned="share_id"),
    ("POST", "/inbox/{share_id}/status"): Policy("user", owned="share_id"),
    ("POST", "/api/v1/signals"): Policy("user"),
    ("GET", "/api/v1/signals"): Policy("user"),
    ("GET", "/api/v1/signals/{signal_id}"): Policy("user", owned="signal_id"),
    ("POST", "/api/v1/signals/{signal_id}/route"): Policy("user", owned="signal_id"),
    ("GET", "/api/v1/inbox"): Policy("user"),
    ("GET", "/api/v1/inbox/{share_id}"): Policy("user", owned="share_id"),
    ("POST", "/api/v1/inbox/{share_id}/status"): Policy("user", owned="share_id"),
    # Screening: professionals and coordinators of police, KMar and the Labour
    # Inspectorate (tests/web/test_screening_web.py checks the refusals); only
    # world.b (police) can own a batch.
    # CoMensha only (world a is a municipality, b police: both are refused).
    ("GET", "/register"): Policy("comensha"),
    ("GET", "/donker-getal"): Policy("comensha"),
    ("GET", "/screening"): Policy("screening"),
    ("POST", "/screening"): Policy("screening"),
    ("GET", "/screening/{batch_id}"): Policy("screening", "batch_id", "b"),
    ("POST", "/screening/treffers/{hit_id}/accepteren"): Policy(
        "screening", "hit_id", "b"
    ),
    ("POST", "/screening/treffers/{hit_id}/afwijzen"): Policy(
        "screening", "hit_id", "b"
    ),
    ("POST", "/api/v1/screen"): Policy("screening"),
    ("GET", "/api/v1/screening/batches"): Policy("screening"),
    ("GET", "/api/v1/screening/batches/{batch_id}"): Policy(
        "screening", "batch_id", "b"
    ),
    ("POST", "/api/v1/screening/hits/{hit_id}/accept"): Policy(
        "screening", "hit_id", "b"
    ),
    ("POST", "/api/v1/screening/hits/{hit_id}/dismiss"): Policy(
        "screening", "hit_id", "b"
    ),
    # Data-subject rights: privacy officers of their own organisation only; the
    # records are not in the world, so tests/web/test_rights_web.py checks that
    # another organisation's privacy officer gets 404.
    ("GET", "/inzageverzoeken"): Policy("privacy_officer"),
    ("POST", "/inzageverzoeken"): Policy("privacy_officer"),
    ("GET", "/inzageverzoeken/{request_id}"): Policy("privacy_officer"),
    ("POST", "/inzageverzoeken/{request_id}/verlengen"): Policy("privacy_officer"),
    ("POST", "/inzageverzoeken/{request_id}/uitzondering"): Policy("privacy_officer"),
    ("POST", "/inzageverzoeken/{request_id}/afgehandeld"): Policy("privacy_officer"),
    ("GET", "/verwijderverzoeken"): Policy("privacy_officer"),
    ("POST", "/verwijderverzoeken"): Policy("privacy_officer"),
    ("POST", "/verwijderverzoeken/{erasure_id}/goedkeuren"): Policy("privacy_officer"),
    ("POST", "/verwijderverzoeken/bewaarplicht"): Policy("privacy_officer"),
    ("GET", "/bewaartermijnen"): Policy("privacy_officer"),
    # Case conferences: any user of a participating organisation reads and
    # contributes; coordinator steps are checked per route (and again per case).
    ("GET", "/casussen"): Policy("user"),
    ("GET", "/casussen/nieuw"): Policy("coordinator"),
    ("POST", "/casussen/nieuw"): Policy("coordinator"),
    ("GET", "/casussen/{case_id}"): Policy("user", owned="case_id"),
    ("POST", "/casussen/{case_id}/bijdragen"): Policy("user", owned="case_id"),
    ("POST", "/casussen/{case_id}/uitnodigen"): Policy("coordinator", "case_id"),
    ("POST", "/casussen/{case_id}/accepteren"): Policy("coordinator", "case_id"),
    ("POST", "/casussen/{case_id}/status"): Policy("coordinator", "case_id"),
    ("POST", "/casussen/{case_id}/besluiten"): Policy("coordinator", "case_id"),
    ("POST", "/casussen/{case_id}/acties"): Policy("coordinator", "case_id"),
    ("POST", "/casussen/{case_id}/afsluiten"): Policy("coordinator", "case_id"),
    ("POST", "/casus-acties/{action_id}/afgerond"): Policy("user", owned="action_id"),
}
IGNORED_PATHS = {"/static"}


def app_routes():
    from schakel.settings import Settings
    from schakel.web.app import create_app

    app = create_app(
        Settings(
            database_url="sqlite://",
            secret_key="x" * 20,
            encryption_key="x" * 20,
            linkage_key="x" * 20,
        )
    )
    found = set()
    for context in iter_route_contexts(app.routes):
        if context.path in IGNORED_PATHS:
            continue
        for method in getattr(context.original_route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, context.path))
    return sorted(found)


ROUTES = app_routes()


def test_every_route_has_a_policy():
    assert len(ROUTES) >= len(POLICY) - 2, "the route walk found too few routes"
    missing = [r for r in ROUTES if r not in POLICY]
    assert not missing, f"routes without a policy entry: {missing}"
    stale = [r for r in POLICY if r not in ROUTES]
    assert not stale, f"policy entries for routes that do not exist: {stale}"


def _body_for(path):
    """A valid body, so that ownership (not validation) decides the answer."""
    if path == "/api/v1/share-check":
        return {"json": SAMPLE_QUESTION}
    if path == "/api/v1/decisions":
        return {"json": {"question": SAMPLE_QUESTION}}
    if path == "/api/v1/signals":
        return {"json": {"signal": SAMPLE_SIGNAL}}
    if path.startswith("/api/v1/signals/") and path.endswith("/route"):
        return {"json": {"recipient_org_id": 1, "purpose": "investigation"}}
    if path.startswith("/api/v1/inbox/") and path.endswith("/status"):
        return {"json": {"status": "in_behandeling"}}
    if path.startswith("/inbox/") and path.endswith("/status"):
        return {"data": {"status": "in_behandeling"}}
    if path.endswith("/doorzetten"):
        return {"data": {"recipient_org_id": "1", "purpose": "investigation"}}
    if path.endswith("/bewerken"):
        return {"data": {"action": "draft", "description": "x"}}
    if path.startswith("/casussen/") and path.endswith("/bijdragen"):
        return {"data": {"text": "Nieuwe bijdrage"}}
    if path.startswith("/casussen/") and path.endswith("/besluiten"):
        return {"data": {"text": "Besluit", "reason": "Motivering"}}
    if path.startswith("/casussen/") and path.endswith("/status"):
        return {"data": {"status": "triage"}}
    if path.startswith("/casussen/") and path.endswith("/afsluiten"):
        return {"data": {"outcome": "zorgtraject"}}
    if path == "/api/v1/screen":
        return {"json": {"records": [{"id": "r1", "text": "Niets bijzonders."}]}}
    if path.startswith("/api/v1/screening/hits/"):
        return (
            {"json": {"reason": "already_known"}} if "dismiss" in path else {"json": {}}
        )
    if path.startswith("/screening/treffers/") and path.endswith("/afwijzen"):
        return {"data": {"reason": "already_known"}}
    return {}


#: Text only the owner may see in the answer to a GET of the record.
OWNER_MARKERS = {
    "decision_id": "testverantwoording",
    "signal_id": "Ilona",
    "share_id": None,
    "case_id": CASE_MARKER,
    "action_id": None,
}


def _call(client, method, path, csrf=None, other_record=None):
    if other_record is not None:
        path = path.replace("{" + POLICY[(method, path)].owned + "}", str(other_record))
    kwargs = _body_for(path)
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return client.request(method, path, headers=headers, **kwargs)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_gets_no_data(client, world, method, path):
    policy = POLICY[(method, path)]
    owner = getattr(world, policy.owner)
    record = owner.records[policy.owned][0] if policy.owned else None
    response = _call(client, method, path, other_record=record)
    if policy.access == "public":
        assert response.status_code < 500
        return
    if path.startswith("/api/"):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    else:
        assert response.status_code in (303, 403)
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login")


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if POLICY[r].owned])
def test_other_organisation_gets_404_owner_gets_the_record(client, world, method, path):
    policy = POLICY[(method, path)]
    owner, other = (world.a, world.b) if policy.owner == "a" else (world.b, world.a)
    record = owner.records[policy.owned][0]
    # A role-restricted route is tried by users who have that role.
    role = Role.COORDINATOR if policy.access == "coordinator" else None
    csrf = login(client, world, other.users[role or next(iter(other.users))])
    marker = OWNER_MARKERS.get(policy.owned)
    stranger = _call(client, method, path, csrf, other_record=record)
    assert stranger.status_code == 404
    assert marker is None or marker not in stranger.text
    client.cookies.clear()
    csrf = login(client, world, owner.users[role or next(iter(owner.users))])
    answer = _call(client, method, path, csrf, other_record=record)
    if method == "GET" and path.endswith("/bewerken"):
        assert answer.status_code == 303  # a submitted signal is no longer editable
    elif method == "GET":
        assert answer.status_code == 200
        assert marker is None or marker in answer.text
    else:
        assert answer.status_code in (200, 303, 422), answer.text[:300]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        r
        for r in ROUTES
        if POLICY[r].access in ("admin", "privacy_officer", "coordinator", "comensha")
    ],
)
def test_professional_cannot_use_privileged_routes(client, world, method, path):
    csrf = login(client, world, "utrecht.medewerker")
    assert _call(client, method, path, csrf).status_code == 403


def test_lists_show_only_own_organisation(client, world):
    csrf = login(client, world, "avim.medewerker")
    listed = client.get("/api/v1/decisions", headers={"X-CSRF-Token": csrf}).json()
    assert {d["org_id"] for d in listed["data"]} == {world.b.id}
