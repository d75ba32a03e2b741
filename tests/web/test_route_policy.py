"""The authorisation matrix: every route of the app × every kind of caller, against
one declared policy table (POLICY).

Routes are read from the router, so a new route without an entry in POLICY fails
until someone decides who may use it (a stale entry fails too). The callers are
anonymous; every role (professional, coordinator, privacy officer, administrator)
of three organisations, a municipality (``a``), the police (``b``) and CoMensha
(``c``), through a browser session and, on the JSON API, through an API token; and a
privacy officer who has not passed the second factor yet. What each caller must get
follows from the policy alone (:func:`expected`):

- anonymous: log in first (API 401 problem+json; pages redirect to ``/login``);
- second factor pending: pages redirect to ``/tweestapsverificatie``, the API 403;
- a role or organisation type the route is not for: 403 (privilege escalation);
- a record of another organisation, asked for by its real id (IDOR): 404, which must
  be indistinguishable from the 404 for an id that does not exist and must not hold
  the owner's text — while the owner gets the same request answered;
- otherwise the route answers (and the owner's record shows its text).

Refused requests run first, and the whole database (every row of every table) must
be unchanged after them; then the permitted requests run, state-changing ones last.
One world, one app and one client per caller serve the whole matrix, on SQLite: the
tenancy on PostgreSQL (data-layer filters and row-level security) is proven in
tests/store and tests/services, which run on both backends.
"""

import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from schakel.audit import new_seed
from schakel.services import accounts, rectification, rights
from schakel.services import signals as signal_service
from schakel.services.actor import Actor
from schakel.settings import Environment, Settings
from schakel.signals import SignalInput
from schakel.store.db import make_engine, make_session_factory
from schakel.store.migrate import upgrade
from schakel.store.models import Base, Organisation, User
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import OrgType, Region, Role
from tests.factory import (
    CASE_MARKER,
    PASSWORD,
    SAMPLE_QUESTION,
    SAMPLE_SIGNAL,
    OrgFixture,
    World,
    _add_org,
    build_world,
    keys_for_tests,
)

P, C, PO, AD = Role.PROFESSIONAL, Role.COORDINATOR, Role.PRIVACY_OFFICER, Role.ADMIN


@dataclass(frozen=True)
class Policy:
    """Who may use a route.

    ``roles``: ``None`` for a public route, empty for every logged-in user, else the
    roles that may use it. ``org_types``: empty for every organisation type. ``owned``
    names the record kind whose id fills the path parameter, ``owner`` the world
    organisation that owns that record; every other organisation (and, with
    ``insiders``, every other role of the owner) is a stranger to it.
    """

    roles: frozenset[Role] | None = frozenset()
    org_types: frozenset[OrgType] = frozenset()
    owned: str | None = None
    owner: str = "a"
    #: Need-to-know inside the owner: only these roles reach the record (empty:
    #: every role of the owner); the others are strangers to it like any other
    #: organisation (in the world's case: the named professional and coordinators).
    insiders: frozenset[Role] = frozenset()

    @property
    def public(self) -> bool:
        return self.roles is None

    def permits(self, org_type: OrgType, role: Role) -> bool:
        """Role and organisation type allow the route (ownership aside)."""
        if self.roles is None:
            return True
        return (not self.roles or role in self.roles) and (
            not self.org_types or org_type in self.org_types
        )


def rule(
    *roles: Role,
    orgs: tuple[OrgType, ...] = (),
    owned: str | None = None,
    owner: str = "a",
    insiders: tuple[Role, ...] = (),
) -> Policy:
    return Policy(frozenset(roles), frozenset(orgs), owned, owner, frozenset(insiders))


PUBLIC = Policy(roles=None)
USER = rule()
#: Declared here, independently of the app's own constants, on purpose: a change in
#: the app that widens access must fail this table, not silently follow it.
SCREENING_ORGS = (OrgType.POLICE, OrgType.KMAR, OrgType.LABOUR_INSPECTORATE)
ANALYST_ORGS = (OrgType.POLICE, OrgType.RIEC)
REGISTRY_ORGS = (OrgType.COMENSHA,)


def case(*roles: Role) -> Policy:
    """A route on the world's case (a's, alone): need-to-know lets in its named
    professional (a's professional) and coordinators; a's privacy officer and
    administrator are strangers to it."""
    return rule(*roles, owned="case_id", insiders=(P, C))


def screening(owned: str | None = None) -> Policy:
    """Professionals and coordinators of police, KMar and the Labour Inspectorate;
    only the police organisation (b) of the world owns a batch."""
    return rule(P, C, orgs=SCREENING_ORGS, owned=owned, owner="b")


POLICY: dict[tuple[str, str], Policy] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("POST", "/logout"): USER,
    ("GET", "/tweestapsverificatie"): USER,
    ("POST", "/tweestapsverificatie"): USER,
    ("GET", "/"): USER,
    ("GET", "/gebruikers"): rule(AD),
    ("GET", "/audit"): rule(PO, AD),
    ("GET", "/verwerkingsregister"): rule(PO, AD),
    ("GET", "/verwerkingsregister.csv"): rule(PO, AD),
    ("GET", "/verwerkingsregister.json"): rule(PO, AD),
    ("GET", "/verwerkingsregister.pdf"): rule(PO, AD),
    ("GET", "/mag-ik-dit-delen"): USER,
    ("POST", "/mag-ik-dit-delen"): USER,
    ("GET", "/verantwoordingen"): USER,
    ("POST", "/verantwoordingen"): USER,
    ("GET", "/verantwoordingen/{decision_id}"): rule(owned="decision_id"),
    ("GET", "/regels"): USER,
    ("GET", "/api/v1/me"): USER,
    ("GET", "/api/v1/organisations"): USER,
    ("GET", "/api/v1/users"): rule(AD),
    ("POST", "/api/v1/share-check"): USER,
    ("POST", "/api/v1/decisions"): USER,
    ("GET", "/api/v1/decisions"): USER,
    ("GET", "/api/v1/decisions/{decision_id}"): rule(owned="decision_id"),
    # Signals: every user of the reporting organisation; shares: the recipient.
    ("GET", "/signalen"): USER,
    ("GET", "/signalen/nieuw"): USER,
    ("GET", "/signalen/import"): USER,
    ("POST", "/signalen/import"): USER,
    ("POST", "/signalen/nieuw"): USER,
    ("GET", "/signalen/{signal_id}"): rule(owned="signal_id"),
    ("GET", "/signalen/{signal_id}/bewerken"): rule(owned="signal_id"),
    ("POST", "/signalen/{signal_id}/bewerken"): rule(owned="signal_id"),
    ("POST", "/signalen/{signal_id}/doorzetten"): rule(owned="signal_id"),
    ("POST", "/signalen/{signal_id}/toestemming-intrekken"): rule(owned="signal_id"),
    ("GET", "/inbox"): USER,
    ("GET", "/netwerk"): rule(C, orgs=ANALYST_ORGS),  # police/RIEC analysts
    ("GET", "/inbox/{share_id}"): rule(owned="share_id"),
    ("POST", "/inbox/{share_id}/status"): rule(owned="share_id"),
    ("POST", "/api/v1/signals"): USER,
    ("GET", "/api/v1/signals"): USER,
    ("GET", "/api/v1/signals/{signal_id}"): rule(owned="signal_id"),
    ("POST", "/api/v1/signals/{signal_id}/route"): rule(owned="signal_id"),
    ("GET", "/api/v1/inbox"): USER,
    ("GET", "/api/v1/inbox/{share_id}"): rule(owned="share_id"),
    ("POST", "/api/v1/inbox/{share_id}/status"): rule(owned="share_id"),
    # CoMensha only, every role there.
    ("GET", "/register"): rule(orgs=REGISTRY_ORGS),
    ("GET", "/donker-getal"): rule(orgs=REGISTRY_ORGS),
    ("GET", "/screening"): screening(),
    ("POST", "/screening"): screening(),
    ("GET", "/screening/{batch_id}"): screening("batch_id"),
    ("POST", "/screening/treffers/{hit_id}/accepteren"): screening("hit_id"),
    ("POST", "/screening/treffers/{hit_id}/afwijzen"): screening("hit_id"),
    ("POST", "/api/v1/screen"): screening(),
    ("GET", "/api/v1/screening/batches"): screening(),
    ("GET", "/api/v1/screening/batches/{batch_id}"): screening("batch_id"),
    ("POST", "/api/v1/screening/hits/{hit_id}/accept"): screening("hit_id"),
    ("POST", "/api/v1/screening/hits/{hit_id}/dismiss"): screening("hit_id"),
    # Data-subject rights: privacy officers of their own organisation only.
    ("GET", "/inzageverzoeken"): rule(PO),
    ("POST", "/inzageverzoeken"): rule(PO),
    ("GET", "/inzageverzoeken/{request_id}"): rule(PO, owned="request_id"),
    ("GET", "/inzageverzoeken/{request_id}/pdf"): rule(PO, owned="request_id"),
    ("POST", "/inzageverzoeken/{request_id}/verlengen"): rule(PO, owned="request_id"),
    ("POST", "/inzageverzoeken/{request_id}/uitzondering"): rule(
        PO, owned="request_id"
    ),
    ("POST", "/inzageverzoeken/{request_id}/afgehandeld"): rule(PO, owned="request_id"),
    ("GET", "/verwijderverzoeken"): rule(PO),
    ("POST", "/verwijderverzoeken"): rule(PO),
    ("POST", "/verwijderverzoeken/{erasure_id}/goedkeuren"): rule(
        PO, owned="erasure_id"
    ),
    ("POST", "/verwijderverzoeken/bewaarplicht"): rule(PO),
    ("GET", "/rectificatieverzoeken"): rule(PO),
    ("POST", "/rectificatieverzoeken"): rule(PO),
    ("POST", "/rectificatieverzoeken/{rectification_id}/goedkeuren"): rule(
        PO, owned="rectification_id"
    ),
    ("POST", "/rectificatieverzoeken/{rectification_id}/weigeren"): rule(
        PO, owned="rectification_id"
    ),
    ("GET", "/bewaartermijnen"): rule(PO),
    # Case conferences: need-to-know (see case()); professionals and coordinators
    # contribute; the lead's coordinators run the case; the named professional
    # accepts being named; an action is set done by its owner (a's professional).
    ("GET", "/casussen"): USER,
    ("GET", "/casussen/nieuw"): rule(C),
    ("POST", "/casussen/nieuw"): rule(C),
    ("GET", "/casussen/{case_id}"): case(),
    ("GET", "/casussen/{case_id}/verslag.pdf"): case(),
    ("POST", "/casussen/{case_id}/bijdragen"): case(P, C),
    ("POST", "/casussen/{case_id}/deelname-accepteren"): case(P),
    ("POST", "/casussen/{case_id}/uitnodigen"): case(C),
    ("POST", "/casussen/{case_id}/accepteren"): case(C),
    ("POST", "/casussen/{case_id}/professionals"): case(C),
    ("POST", "/casussen/{case_id}/status"): case(C),
    ("POST", "/casussen/{case_id}/besluiten"): case(C),
    ("POST", "/casussen/{case_id}/overleggen"): case(C),
    ("POST", "/casussen/{case_id}/agenda"): case(C),
    ("POST", "/casussen/{case_id}/notulen"): case(C),
    ("POST", "/casussen/{case_id}/acties"): case(C),
    ("POST", "/casussen/{case_id}/afsluiten"): case(C),
    ("POST", "/casus-acties/{action_id}/afgerond"): rule(P, owned="action_id"),
    # The case API: the same rules as the pages.
    ("GET", "/api/v1/cases"): USER,
    ("POST", "/api/v1/cases"): rule(C),
    ("GET", "/api/v1/cases/{case_id}"): case(),
    ("POST", "/api/v1/cases/{case_id}/participants"): case(C),
    ("POST", "/api/v1/cases/{case_id}/accept"): case(C),
    ("POST", "/api/v1/cases/{case_id}/members"): case(C),
    ("POST", "/api/v1/cases/{case_id}/members/accept"): case(P),
    ("POST", "/api/v1/cases/{case_id}/status"): case(C),
    ("POST", "/api/v1/cases/{case_id}/contributions"): case(P, C),
    ("POST", "/api/v1/cases/{case_id}/decisions"): case(C),
    ("POST", "/api/v1/cases/{case_id}/meetings"): case(C),
    ("POST", "/api/v1/cases/{case_id}/agenda"): case(C),
    ("POST", "/api/v1/cases/{case_id}/minutes"): case(C),
    ("POST", "/api/v1/cases/{case_id}/actions"): case(C),
    ("POST", "/api/v1/cases/{case_id}/close"): case(C),
    ("POST", "/api/v1/case-actions/{action_id}/status"): rule(P, owned="action_id"),
}
IGNORED_PATHS = {"/static"}
#: Permitted GETs that answer with a redirect instead of a page.
REDIRECTING = {
    ("GET", "/tweestapsverificatie"),  # second factor already passed: to "/"
    ("GET", "/signalen/{signal_id}/bewerken"),  # submitted: no longer editable
}
#: Text only the owner may see in the answer to a GET of the record.
OWNER_MARKERS = {
    "decision_id": "testverantwoording",
    "signal_id": "Ilona",
    "case_id": CASE_MARKER,
    "batch_id": "testverantwoording",
}


def app_routes() -> list[tuple[str, str]]:
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
                found.add((str(method), str(context.path)))
    app.state.engine.dispose()
    return sorted(found)


ROUTES = app_routes()


def test_every_route_has_a_policy():
    assert len(ROUTES) >= len(POLICY) - 2, "the route walk found too few routes"
    missing = [r for r in ROUTES if r not in POLICY]
    assert not missing, f"routes without a policy entry: {missing}"
    stale = [r for r in POLICY if r not in ROUTES]
    assert not stale, f"policy entries for routes that do not exist: {stale}"
    for (method, path), policy in POLICY.items():
        parameters = re.findall(r"{(\w+)}", path)
        assert parameters == ([policy.owned] if policy.owned else []), (method, path)


# --------------------------------------------------------------------- the world


@dataclass
class Caller:
    """Who sends a request: ``kind`` is anonymous, session, token or pending (a
    privacy officer whose second factor is still to come)."""

    label: str
    kind: str
    org: str | None = None
    role: Role | None = None
    client: TestClient | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Matrix:
    world: World
    orgs: dict[str, OrgFixture]
    callers: list[Caller]
    anonymous: Caller
    missing_id: int = 999_999

    def org(self, name: str) -> OrgFixture:
        return self.orgs[name]


def _add_comensha(world: World) -> OrgFixture:
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        return _add_org(
            session, "comensha", "CoMensha", OrgType.COMENSHA, Region.MIDDEN_NEDERLAND
        )


PENDING_USER = "utrecht.privacy-nieuw"


def _add_pending_privacy_officer(world: World) -> None:
    """A privacy officer who has not enrolled the second factor yet."""
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        org = session.get(Organisation, world.a.id)
        assert org is not None
        accounts.add_user(
            session,
            org=org,
            username=PENDING_USER,
            display_name=PENDING_USER,
            password=PASSWORD,
            roles=[PO],
        )


def _actor(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return Actor.of(user)


def _add_rights_records(world: World) -> None:
    """A subject-access, an erasure and a rectification request of a (the last two
    on signals of their own, so that approving them changes nothing the rest of
    the matrix reads)."""
    keys = keys_for_tests()
    a = world.a
    with scoped_transaction(world.factory, Scope.for_org(a.id)) as session:
        officer = _actor(session, a.users[PO])
        request = rights.create_request(
            session,
            officer,
            {
                "given_name": "Ilona",
                "surname": "Testpersoon",
                "date_of_birth": "1999-04-12",
            },
            keys,
        )
        worker = _actor(session, a.users[P])
        extra = signal_service.save(
            session,
            worker,
            SignalInput.model_validate(SAMPLE_SIGNAL),
            keys,
            submit=True,
        )
        erasure = rights.request_erasure(
            session, officer, extra.id, next(iter(rights.grounds().erasure_reasons))
        )
        other = signal_service.save(
            session,
            worker,
            SignalInput.model_validate(SAMPLE_SIGNAL),
            keys,
            submit=True,
        )
        correction = rectification.request_rectification(
            session,
            officer,
            other.id,
            "description",
            "Gecorrigeerde omschrijving",
            next(iter(rights.grounds().rectification_reasons)),
            keys,
        )
    a.records["request_id"] = [request.id]
    a.records["erasure_id"] = [erasure.id]
    a.records["rectification_id"] = [correction.id]


def _token(world: World, username: str) -> str:
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return accounts.create_api_token(session, user, "matrix")


def _log_in(client: TestClient, username: str, secret: str | None) -> str:
    data = {"username": username, "password": PASSWORD, "next": "/"}
    if secret:
        data["totp"] = pyotp.TOTP(secret).now()
    answer = client.post("/login", data=data)
    assert answer.status_code == 303, answer.text[:300]
    page = client.get("/tweestapsverificatie")
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    if match is None:  # second factor passed: the page redirects home
        match = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text)
    assert match
    return match.group(1)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    from schakel.web.app import create_app

    path: Path = tmp_path_factory.mktemp("matrix")
    engine = make_engine(f"sqlite:///{path / 'schakel.db'}")
    upgrade(engine)
    world = build_world(make_session_factory(engine))
    orgs = {"a": world.a, "b": world.b, "c": _add_comensha(world)}
    _add_pending_privacy_officer(world)
    _add_rights_records(world)
    settings = Settings(
        env=Environment.TEST,
        data_dir=path,
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret-key-0123456789",
        encryption_key="test-encryption-key-0123456789",
        linkage_key="test-linkage-key-0123456789",
        audit_signing_key=new_seed(),
    )
    app = create_app(settings)
    opened: list[TestClient] = []

    def client() -> TestClient:
        opened.append(TestClient(app, follow_redirects=False))
        return opened[-1]

    anonymous = Caller("anoniem", "anonymous", client=client())
    callers = [anonymous]
    for name, org in orgs.items():
        for role, username in org.users.items():
            session = client()
            csrf = _log_in(session, username, org.totp.get(username))
            callers.append(
                Caller(
                    f"{name}.{role.value}",
                    "session",
                    name,
                    role,
                    session,
                    {"X-CSRF-Token": csrf},
                )
            )
            callers.append(
                Caller(
                    f"{name}.{role.value}/token",
                    "token",
                    name,
                    role,
                    client(),
                    {"Authorization": f"Bearer {_token(world, username)}"},
                )
            )
    pending = client()
    csrf = _log_in(pending, PENDING_USER, None)
    callers.append(
        Caller("a.privacy_officer/zonder-2fa", "pending", "a", PO, pending, {})
    )
    callers[-1].headers = {"X-CSRF-Token": csrf}
    with opened[0]:
        yield Matrix(world, orgs, callers, anonymous)
    for each in opened[1:]:
        each.close()
    app.state.engine.dispose()
    engine.dispose()


# ------------------------------------------------------------------ expectations

LOGIN, SECOND_FACTOR, FORBIDDEN, NOT_FOUND, ANSWERED = (
    "log in",
    "second factor",
    "403",
    "404",
    "answered",
)
#: Refused for its role and a stranger to the record: either refusal reveals nothing
#: (the order of the two checks differs per route).
REFUSED = "403/404"


def expected(matrix: Matrix, method: str, path: str, caller: Caller) -> str:
    policy = POLICY[(method, path)]
    if policy.public:
        return ANSWERED
    if caller.kind == "anonymous":
        return LOGIN
    if caller.kind == "pending" and path not in ("/tweestapsverificatie", "/logout"):
        return SECOND_FACTOR
    assert caller.org is not None and caller.role is not None
    permitted = policy.permits(matrix.org(caller.org).org_type, caller.role)
    stranger = policy.owned is not None and (
        caller.org != policy.owner
        or bool(policy.insiders and caller.role not in policy.insiders)
    )
    if not permitted:
        return REFUSED if stranger else FORBIDDEN
    return NOT_FOUND if stranger else ANSWERED


def classify(path: str, response: Any) -> str:
    api = path.startswith("/api/")
    status = response.status_code
    location = response.headers.get("location", "")
    if status >= 500:
        return f"error {status}"
    if status == 401 and api:
        assert response.headers["content-type"] == "application/problem+json"
        return LOGIN
    if status == 303 and path == "/logout" and location == "/login":
        return ANSWERED  # logged out
    if status == 303 and location.startswith("/login"):
        return LOGIN
    if status == 303 and location == "/tweestapsverificatie":
        return SECOND_FACTOR
    if status == 403 and api and "Tweestapsverificatie" in response.text:
        return SECOND_FACTOR
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return NOT_FOUND
    if status in (401, 405):
        return f"unexpected {status}"
    return ANSWERED


def agrees(method: str, path: str, want: str, got: str, status: int) -> bool:
    if want == REFUSED:
        return got in (FORBIDDEN, NOT_FOUND)
    if want == ANSWERED and got == ANSWERED and method == "GET":
        return status == 200 or ((method, path) in REDIRECTING and status == 303)
    return want == got


def callers_for(matrix: Matrix, path: str) -> list[Caller]:
    """Token callers only speak the JSON API."""
    api = path.startswith("/api/")
    return [c for c in matrix.callers if api or c.kind != "token"]


def fill(matrix: Matrix, method: str, path: str, record: int | None = None) -> str:
    policy = POLICY[(method, path)]
    if policy.owned is None:
        return path
    if record is None:
        record = matrix.org(policy.owner).records[policy.owned][0]
    return path.replace("{" + policy.owned + "}", str(record))


def body_for(matrix: Matrix, path: str, caller: Caller) -> dict[str, Any]:
    """A valid body, so that the policy (not validation) decides the answer."""
    other = matrix.world.b if caller.org == "a" else matrix.world.a
    if path == "/api/v1/share-check":
        return {"json": SAMPLE_QUESTION}
    if path == "/api/v1/decisions":
        return {"json": {"question": SAMPLE_QUESTION}}
    if path == "/api/v1/signals":
        return {"json": {"signal": SAMPLE_SIGNAL}}
    if path.startswith("/api/v1/signals/") and path.endswith("/route"):
        return {"json": {"recipient_org_id": other.id, "purpose": "investigation"}}
    if path.startswith("/api/v1/inbox/") and path.endswith("/status"):
        return {"json": {"status": "in_behandeling"}}
    if path.startswith("/inbox/") and path.endswith("/status"):
        return {"data": {"status": "in_behandeling"}}
    if path.endswith("/doorzetten"):
        return {"data": {"recipient_org_id": str(other.id), "purpose": "investigation"}}
    if path.endswith("/bewerken"):
        return {"data": {"action": "draft", "description": "x"}}
    if path.startswith("/casussen/") and path.endswith("/bijdragen"):
        return {"data": {"text": "Nieuwe bijdrage"}}
    if path.startswith("/casussen/") and path.endswith("/besluiten"):
        return {"data": {"text": "Besluit", "reason": "Motivering"}}
    if path.startswith("/casussen/") and path.endswith("/status"):
        return {"data": {"status": "triage"}}
    if path.startswith("/casussen/") and path.endswith("/afsluiten"):
        return {"data": {"outcome": "zorgtraject", "reason": "Afgerond"}}
    if path == "/api/v1/screen":
        return {"json": {"records": [{"id": "r1", "text": "Niets bijzonders."}]}}
    if path.startswith("/api/v1/screening/hits/"):
        return (
            {"json": {"reason": "already_known"}} if "dismiss" in path else {"json": {}}
        )
    if path.startswith("/screening/treffers/") and path.endswith("/afwijzen"):
        return {"data": {"reason": "already_known"}}
    if path.endswith("/verlengen"):
        return {"data": {"reason": "Drukte"}}
    if path == "/tweestapsverificatie":
        return {"data": {"code": "000000"}}
    if path.endswith("/weigeren"):
        return {"data": {"reason": "Niet juist"}}
    if path.startswith("/casussen/") and path.endswith("/professionals"):
        return {"data": {"user_id": "1"}}
    if path.startswith("/casussen/") and path.endswith("/overleggen"):
        return {"data": {"held_on": "2026-12-01", "title": "Overleg"}}
    if path.startswith("/casussen/") and path.endswith(("/agenda", "/notulen")):
        return {"data": {"meeting_id": "1", "text": "Punt"}}
    if path.startswith("/api/v1/case-actions/"):
        return {"json": {"status": "done"}}
    if path.startswith("/api/v1/cases"):
        body = CASE_API_BODIES.get(path.rsplit("/", 1)[1])
        return {"json": body} if body is not None else {}
    return {}


#: Valid JSON bodies of the case API, by the path's last segment.
CASE_API_BODIES: dict[str, dict[str, Any]] = {
    "cases": {"frame": "riec", "signal_id": 1},
    "participants": {"org_id": 1},
    "members": {"user_id": 1},
    "status": {"status": "triage"},
    "contributions": {"text": "Nieuwe bijdrage"},
    "decisions": {"text": "Besluit", "reason": "Motivering"},
    "meetings": {"held_on": "2026-12-01", "title": "Overleg"},
    "agenda": {"meeting_id": 1, "text": "Agendapunt"},
    "minutes": {"meeting_id": 1, "text": "Notulen"},
    "actions": {"text": "Bellen"},
    "close": {"outcome": "zorgtraject"},
}


def send(caller: Caller, method: str, url: str, body: dict[str, Any]) -> Any:
    assert caller.client is not None
    return caller.client.request(method, url, headers=caller.headers, **body)


def _normalised(response: Any, url: str) -> str:
    """The answer without the address it was asked at."""
    return _text_of(response).replace(url, "<url>")


def _text_of(response: Any) -> str:
    """The readable text of an answer; a PDF's through its text layer."""
    if response.headers.get("content-type") == "application/pdf":
        reader = PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() for page in reader.pages)
    return str(response.text)


def fingerprint(factory: sessionmaker[Session]) -> dict[str, str]:
    """A digest of every row of every table."""
    digests = {}
    with scoped_transaction(factory, Scope.system_wide()) as session:
        for table in Base.metadata.sorted_tables:
            rows = session.execute(text(f"SELECT * FROM {table.name} ORDER BY 1"))
            digests[table.name] = hashlib.sha256(repr(rows.all()).encode()).hexdigest()
    return digests


# ------------------------------------------------------------------- the matrix


@dataclass(frozen=True)
class Probe:
    """An IDOR attempt through the body: another organisation's id in a form field
    of a route the caller may use. ``statuses``: the acceptable refusals."""

    caller: str
    method: str
    path: str
    data: dict[str, str]
    statuses: tuple[int, ...]


def body_probes(matrix: Matrix) -> list[Probe]:
    a, b = matrix.world.a, matrix.world.b
    a_signal, b_signal = a.records["signal_id"][0], b.records["signal_id"][0]
    case = a.records["case_id"][0]
    with scoped_transaction(matrix.world.factory, Scope.system_wide()) as session:
        b_user = session.scalar(select(User.id).where(User.username == b.users[P]))
    return [
        Probe(
            "b.privacy_officer",
            "POST",
            "/verwijderverzoeken",
            {"signal_id": str(a_signal), "reason": "verzoek_betrokkene"},
            (404,),
        ),
        Probe(
            "b.privacy_officer",
            "POST",
            "/verwijderverzoeken/bewaarplicht",
            {"signal_id": str(a_signal), "ground": "lopend_onderzoek"},
            (404,),
        ),
        Probe(
            "a.coordinator",
            "POST",
            "/casussen/nieuw",
            {"frame": "zorg_en_veiligheidshuis", "signal_id": str(b_signal)},
            (404, 422),
        ),
        Probe(
            "a.professional",
            "POST",
            f"/casussen/{case}/bijdragen",
            {"text": "Bijdrage met andermans signaal", "signal_id": str(b_signal)},
            (404, 422),
        ),
        Probe(
            "a.coordinator",
            "POST",
            f"/casussen/{case}/acties",
            {"text": "Actie", "owner_user_id": str(b_user), "deadline": "2099-01-01"},
            (404, 422),
        ),
    ]


def _order(route: tuple[str, str]) -> tuple[int, str, str]:
    """Reads first, then writes; logging out last, closing a case just before."""
    method, path = route
    last = {
        "/logout": 3,
        "/casussen/{case_id}/afsluiten": 2,
        "/api/v1/cases/{case_id}/close": 2,
    }
    return (0 if method == "GET" else 1 + last.get(path, 0), path, method)


def test_authorisation_matrix(matrix: Matrix) -> None:
    factory = matrix.world.factory
    failures: list[str] = []
    outcomes: Counter[str] = Counter()
    cases = [
        (method, path, caller, expected(matrix, method, path, caller))
        for method, path in sorted(ROUTES, key=_order)
        for caller in callers_for(matrix, path)
    ]

    def check(method: str, path: str, caller: Caller, want: str) -> Any:
        url = fill(matrix, method, path)
        response = send(caller, method, url, body_for(matrix, path, caller))
        got = classify(path, response)
        outcomes[want] += 1
        if not agrees(method, path, want, got, response.status_code):
            failures.append(
                f"{method} {url} as {caller.label}: want {want}, got "
                f"{response.status_code} {response.text[:120]!r}"
            )
        return response

    # Refused requests first: none of them may change anything.
    before = fingerprint(factory)
    for method, path, caller, want in cases:
        if want == ANSWERED:
            continue
        response = check(method, path, caller, want)
        policy = POLICY[(method, path)]
        marker = OWNER_MARKERS.get(policy.owned or "")
        if marker and marker in _text_of(response):
            failures.append(f"{method} {path} as {caller.label}: shows {marker!r}")
        if want == NOT_FOUND:
            # The other organisation's real id answers exactly like a missing one.
            nowhere = fill(matrix, method, path, matrix.missing_id)
            missing = send(caller, method, nowhere, body_for(matrix, path, caller))
            if (missing.status_code, _normalised(missing, nowhere)) != (
                response.status_code,
                _normalised(response, fill(matrix, method, path)),
            ):
                failures.append(
                    f"{method} {path} as {caller.label}: another organisation's "
                    "record answers differently from a missing one"
                )
    after = fingerprint(factory)
    changed = [name for name in before if before[name] != after[name]]
    if changed:
        failures.append(f"refused requests changed the tables {changed}")

    # IDOR through the body: refused, and nothing written but the audited view of
    # the page that explains the refusal.
    by_label = {c.label: c for c in matrix.callers}
    seq = _audit_head(factory)
    for probe in body_probes(matrix):
        caller = by_label[probe.caller]
        response = send(caller, probe.method, probe.path, {"data": probe.data})
        outcomes["body IDOR"] += 1
        if response.status_code not in probe.statuses:
            failures.append(
                f"{probe.method} {probe.path} {probe.data} as {caller.label}: "
                f"want {probe.statuses}, got {response.status_code}"
            )
    changed = [k for k, v in fingerprint(factory).items() if after[k] != v]
    written = _audit_actions_after(factory, seq)
    if not set(changed) <= {"audit_entries"} or any(
        not action.endswith(".view") for action in written
    ):
        failures.append(f"IDOR probes changed {changed}, audited {written}")

    # Then everything the policy permits, state-changing requests last.
    for method, path, caller, want in cases:
        if want != ANSWERED:
            continue
        response = check(method, path, caller, want)
        policy = POLICY[(method, path)]
        marker = OWNER_MARKERS.get(policy.owned or "")
        if method == "GET" and marker and response.status_code == 200:
            if marker not in _text_of(response):
                failures.append(f"GET {path} as {caller.label}: owner misses {marker}")
        if (method, path) == ("GET", "/") and caller.kind == "session":
            failures += _menu_problems(matrix, caller, response)

    assert not failures, f"{len(failures)} of {len(cases)} disagree:\n" + "\n".join(
        failures
    )
    # Every route met every kind of caller, and every kind of answer was asked for.
    assert set(outcomes) == {
        LOGIN,
        SECOND_FACTOR,
        FORBIDDEN,
        NOT_FOUND,
        REFUSED,
        ANSWERED,
        "body IDOR",
    }
    assert {(m, p) for m, p, _, _ in cases} == set(ROUTES)
    assert {c.kind for _, _, c, _ in cases} == {
        "anonymous",
        "session",
        "token",
        "pending",
    }


def _audit_head(factory: sessionmaker[Session]) -> int:
    with scoped_transaction(factory, Scope.system_wide()) as session:
        return int(session.scalar(text("SELECT max(seq) FROM audit_entries")) or 0)


def _audit_actions_after(factory: sessionmaker[Session], seq: int) -> list[str]:
    with scoped_transaction(factory, Scope.system_wide()) as session:
        rows = session.execute(
            text("SELECT action FROM audit_entries WHERE seq > :seq"), {"seq": seq}
        )
        return [row[0] for row in rows]


def _menu_problems(matrix: Matrix, caller: Caller, response: Any) -> list[str]:
    """Every link of the main menu leads somewhere the policy lets the caller go."""
    menu = re.search(r'<nav class="schakel-nav".*?</nav>', response.text, re.S)
    assert menu is not None
    problems = []
    for href in re.findall(r'href="([^"]+)"', menu.group(0)):
        want = expected(matrix, "GET", href, caller)
        if want != ANSWERED:
            problems.append(f"menu of {caller.label} links to {href} ({want})")
    return problems


def test_lists_show_only_own_organisation(matrix: Matrix) -> None:
    by_label = {c.label: c for c in matrix.callers}
    for org in ("a", "b"):
        own = matrix.org(org)
        caller = by_label[f"{org}.professional/token"]
        for path, kind in (
            ("/api/v1/decisions", "decision_id"),
            ("/api/v1/signals", "signal_id"),
            ("/api/v1/inbox", "share_id"),
        ):
            listed = send(caller, "GET", path, {}).json()["data"]
            ids = {row["id"] for row in listed}
            assert set(own.records[kind]) <= ids, (org, path)
            for other in {"a", "b"} - {org}:
                assert not ids & set(matrix.org(other).records[kind]), (org, path)
            if path != "/api/v1/inbox":
                assert {row["org_id"] for row in listed} == {own.id}, (org, path)
