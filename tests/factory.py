"""Builders for a small two-organisation world, created through the services."""

import re
from dataclasses import dataclass, field

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from schakel.services import accounts
from schakel.store.models import User
from schakel.store.tenancy import Scope, scoped_transaction
from schakel.vocabulary import OrgType, Region, Role

PASSWORD = "correct-horse-battery-staple"
ROLE_SUFFIX = {
    Role.PROFESSIONAL: "medewerker",
    Role.COORDINATOR: "analist",
    Role.PRIVACY_OFFICER: "privacy",
    Role.ADMIN: "beheer",
}


@dataclass
class OrgFixture:
    id: int
    slug: str
    org_type: OrgType
    users: dict[Role, str] = field(default_factory=dict)
    totp: dict[str, str] = field(default_factory=dict)
    records: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class World:
    """Two organisations (``a``: municipality, ``b``: police) with one user per role."""

    factory: sessionmaker[Session]
    a: OrgFixture
    b: OrgFixture


def _add_org(
    session: Session, slug: str, name: str, org_type: OrgType, region: Region
) -> OrgFixture:
    org = accounts.add_organisation(
        session, name=name, org_type=org_type, region=region
    )
    fixture = OrgFixture(org.id, slug, org_type)
    for role, suffix in ROLE_SUFFIX.items():
        username = f"{slug}.{suffix}"
        user = accounts.add_user(
            session,
            org=org,
            username=username,
            display_name=username,
            password=PASSWORD,
            roles=[role],
        )
        fixture.users[role] = username
        if accounts.needs_second_factor(user):
            secret = accounts.begin_totp_enrolment(user)
            user.totp_enabled = True
            fixture.totp[username] = secret
    return fixture


def build_world(factory: sessionmaker[Session]) -> World:
    with scoped_transaction(factory, Scope.system_wide()) as session:
        a = _add_org(
            session,
            "utrecht",
            "Gemeente Utrecht",
            OrgType.MUNICIPALITY,
            Region.MIDDEN_NEDERLAND,
        )
        b = _add_org(
            session, "avim", "Politie Rotterdam", OrgType.POLICE, Region.ROTTERDAM
        )
    world = World(factory, a, b)
    for hook in WORLD_HOOKS:
        hook(world)
    return world


SAMPLE_QUESTION = {
    "sender": "municipality",
    "recipient": "police",
    "purpose": "investigation",
    "data": ["identifying"],
    "subject": "possible_victim",
}


def _add_reasonings(world: "World") -> None:
    from schakel.rules import parse_question
    from schakel.services import share_check

    for org in (world.a, world.b):
        username = org.users[Role.PROFESSIONAL]
        with scoped_transaction(world.factory, Scope.for_org(org.id)) as session:
            actor = accounts.actor_for(session, user_id(world, username))
            question = parse_question({**SAMPLE_QUESTION, "sender": org.org_type.value})
            row = share_check.save_reasoning(
                session, actor, question, "testverantwoording"
            )
            org.records.setdefault("decision_id", []).append(row.id)


SAMPLE_SIGNAL = {
    "source": "inspection",
    "observed_on": "2026-11-02",
    "municipality": "Utrecht",
    "forms": ["sexual_exploitation"],
    "indicators": ["withheld_documents", "restricted_movement"],
    "description": (
        "Bij controle massagesalon: vrouw zonder eigen paspoort, "
        "mag pand niet verlaten."
    ),
    "persons": [
        {
            "roles": ["possible_victim"],
            "given_name": "Ilona",
            "surname": "Testpersoon",
            "date_of_birth": "1999-04-12",
        }
    ],
    "phones": ["06 1234 5678"],
}


def keys_for_tests():
    from schakel.crypto import keyring_from_secrets
    from schakel.services.keys import KeyMaterial

    return KeyMaterial(
        keyring_from_secrets("test-encryption-key-0123456789"),
        b"test-linkage-key-0123456789",
    )


def _add_signals(world: "World") -> None:
    from schakel.services import gate
    from schakel.services import signals as signal_service
    from schakel.signals import SignalInput
    from schakel.vocabulary import Purpose

    keys = keys_for_tests()
    for org, other in ((world.a, world.b), (world.b, world.a)):
        with scoped_transaction(world.factory, Scope.for_org(org.id)) as session:
            actor = accounts.actor_for(
                session, user_id(world, org.users[Role.PROFESSIONAL])
            )
            row = signal_service.save(
                session,
                actor,
                SignalInput.model_validate(SAMPLE_SIGNAL),
                keys,
                submit=True,
            )
            org.records.setdefault("signal_id", []).append(row.id)
            share = gate.deliver(
                session,
                actor,
                gate.RouteRequest(
                    signal_id=row.id,
                    recipient_org_id=other.id,
                    purpose=Purpose.INVESTIGATION,
                    anonymised=True,
                ),
                keys,
            )
            other.records.setdefault("share_id", []).append(share.id)
    from schakel.services import match_queue

    match_queue.run_pending(world.factory)  # hit/no-hit runs from the queue


#: Capabilities add records to the world here (e.g. saved decisions, signals), so the
#: tenancy walk has real ids of every kind of record.
WORLD_HOOKS: list = [_add_reasonings, _add_signals]


def user_id(world: World, username: str) -> int:
    with scoped_transaction(world.factory, Scope.system_wide()) as session:
        found = session.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found


def login(client: TestClient, world: World, username: str) -> str:
    """Log in through the form; returns the session's CSRF token."""
    secret = world.a.totp.get(username) or world.b.totp.get(username)
    data = {"username": username, "password": PASSWORD, "next": "/"}
    if secret:
        data["totp"] = pyotp.TOTP(secret).now()
    response = client.post("/login", data=data)
    assert response.status_code == 303, response.text
    page = client.get("/")
    assert page.status_code == 200
    match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert match
    return match.group(1)


#: A record that the screening lexicon flags, with the marker the tenancy walk
#: looks for in the reference.
SCREENING_SAMPLE = (
    b'{"id": "testverantwoording-1", "text": "Werknemer slaapt op de bouwplaats, '
    b'paspoort ingenomen door de werkgever en hij moet een schuld afbetalen."}\n'
)


def _add_screening(world: "World") -> None:
    """A screened batch with one open hit; only the police organisation (b) may
    screen, so only b gets one (the route policy names b as the owner)."""
    from schakel.services import screening_review

    org = world.b
    with scoped_transaction(world.factory, Scope.for_org(org.id)) as session:
        actor = accounts.actor_for(
            session, user_id(world, org.users[Role.PROFESSIONAL])
        )
        batch = screening_review.upload_batch(
            session, actor, SCREENING_SAMPLE, name="testverantwoording.jsonl"
        )
        _, hits = screening_review.get_batch(session, actor, batch.id, audited=False)
        org.records.setdefault("batch_id", []).append(batch.id)
        org.records.setdefault("hit_id", []).extend(h.id for h in hits)


WORLD_HOOKS.append(_add_screening)


#: Text of the world's case contribution: only participants may see it.
CASE_MARKER = "testcasus-bijdrage"


def _add_case(world: "World") -> None:
    """A case of a (municipality) alone, with a's professional named (need-to-know),
    one contribution and an action owned by that professional; b is a stranger to
    it (tests/services/test_cases.py builds cases with partners)."""
    import datetime as dt

    from schakel.services import cases
    from schakel.vocabulary import Covenant

    keys = keys_for_tests()
    a = world.a
    lead_id = user_id(world, a.users[Role.COORDINATOR])
    worker_id = user_id(world, a.users[Role.PROFESSIONAL])
    with scoped_transaction(world.factory, Scope.for_org(a.id)) as session:
        lead = accounts.actor_for(session, lead_id)
        case = cases.open_case(
            session,
            lead,
            keys,
            frame=Covenant.ZORG_EN_VEILIGHEIDSHUIS,
            signal_id=a.records["signal_id"][0],
        )
        cases.name_member(session, lead, case.id, worker_id)
        worker = accounts.actor_for(session, worker_id)
        cases.accept_membership(session, worker, case.id)
        cases.contribute(session, worker, keys, case.id, CASE_MARKER)
        action = cases.add_action(
            session,
            lead,
            keys,
            case.id,
            "Huisbezoek plannen",
            worker.user_id,
            dt.date.today() + dt.timedelta(days=7),
        )
    a.records.setdefault("case_id", []).append(case.id)
    a.records.setdefault("action_id", []).append(action.id)


WORLD_HOOKS.append(_add_case)
