"""The synthetic demo: organisations, accounts and (as capabilities land) their work,
all created through the same services users go through. Invented people only."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from schakel.services import accounts
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.store.models import Organisation, User
from schakel.vocabulary import OrgType, Region, Role


@dataclass(frozen=True)
class DemoLogin:
    username: str
    who: str


@cache
def scenario() -> dict[str, Any]:
    text = files("schakel.services").joinpath("demo_data.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def demo_password() -> str:
    return str(scenario()["password"])


DEMO_LOGINS = [DemoLogin(h["username"], h["who"]) for h in scenario()["highlighted"]]


def already_loaded(session: Session) -> bool:
    first = scenario()["organisations"][0]["name"]
    return (
        session.scalar(select(Organisation.id).where(Organisation.name == first))
        is not None
    )


def _person_name(role: str, index: int) -> str:
    data = scenario()
    first = data["roles"][role]["first"]
    surnames = data["surnames"]
    surname = surnames[(index * 7 + len(role)) % len(surnames)]
    return f"{first[index % len(first)]} {surname}"


def load(
    session: Session,
    keys: KeyMaterial,
    progress: Callable[[str], object] = lambda _m: None,
) -> list[DemoLogin]:
    """Create the scenario in ``session`` (a system-scoped transaction)."""
    data = scenario()
    password = demo_password()
    for index, spec in enumerate(data["organisations"]):
        org = accounts.add_organisation(
            session,
            name=spec["name"],
            org_type=OrgType(spec["type"]),
            region=Region(spec["region"]),
        )
        for role_name, role_spec in data["roles"].items():
            accounts.add_user(
                session,
                org=org,
                username=f"{spec['slug']}.{role_spec['suffix']}",
                display_name=_person_name(role_name, index),
                password=password,
                roles=[Role(role_name)],
            )
        progress(f"  {spec['name']}: 4 accounts")
    _load_reasonings(session, data.get("reasonings", []))
    progress(f"  {len(data.get('reasonings', []))} verantwoordingen via de deelcheck")
    _load_signals(session, keys, data.get("signals", []))
    registered = _load_registrations(session, keys, data.get("registrations"))
    progress(f"  {registered} registraties bij CoMensha (synthetische populatie)")
    routed = sum(1 for spec in data.get("signals", []) if spec.get("route"))
    progress(
        f"  {len(data.get('signals', []))} signalen via de intake, "
        f"{routed} doorgezet via de deelpoort"
    )
    opened = _load_cases(session, keys, data.get("cases", []))
    progress(f"  {opened} casusoverleg(gen) via de casusdienst en de deelpoort")
    return DEMO_LOGINS


def _random_date(
    rng: random.Random, first: int, last: int, last_month: int = 12
) -> str:
    year, month, day = (
        rng.randint(first, last),
        rng.randint(1, last_month),
        rng.randint(1, 28),
    )
    return f"{year}-{month:02d}-{day:02d}"


def _variant(name: str, rng: random.Random) -> str:
    """A spelling variant as different reporters write it (one letter changed)."""
    if len(name) < 5 or rng.random() > 0.3:
        return name
    swaps = {"i": "y", "y": "i", "k": "c", "c": "k", "s": "z", "a": "e", "j": "y"}
    index = rng.randrange(1, len(name) - 1)
    return name[:index] + swaps.get(name[index], name[index]) + name[index + 1 :]


def _load_registrations(
    session: Session, keys: KeyMaterial, spec: dict[str, Any] | None
) -> int:
    """Registrations at CoMensha by several reporter types, through intake and gate."""
    if not spec:
        return 0
    from schakel.services import gate
    from schakel.services import signals as signal_service
    from schakel.signals import SignalInput
    from schakel.vocabulary import Purpose

    rng = random.Random(spec["seed"])
    comensha = _org_id(session, "comensha")
    reporters = {
        r["slug"]: _actor(session, f"{r['slug']}.medewerker") for r in spec["reporters"]
    }
    forms = ["sexual_exploitation", "labour_exploitation", "criminal_exploitation"]
    count = 0
    for person in range(spec["population"]):
        given, surname = rng.choice(spec["given_names"]), rng.choice(spec["surnames"])
        born = _random_date(rng, 1980, 2008)
        form = rng.choice(forms)
        seen: set[str] = set()
        for reporter in spec["reporters"]:
            chance = reporter["chance"]
            for other, conditional in reporter.get("chance_if_seen_by", {}).items():
                if other in seen:
                    chance = conditional
            if rng.random() >= chance:
                continue
            seen.add(reporter["slug"])
            actor = reporters[reporter["slug"]]
            content = SignalInput.model_validate(
                {
                    "source": "intake",
                    "observed_on": _random_date(rng, 2025, 2026, last_month=10),
                    "forms": [form],
                    "indicators": ["reported_suspicion"],
                    "description": f"Registratie slachtoffer {person} (synthetisch).",
                    "persons": [
                        {
                            "roles": ["possible_victim"],
                            "given_name": _variant(given, rng),
                            "surname": _variant(surname, rng),
                            "date_of_birth": born,
                            "gender": rng.choice(["vrouw", "man"]),
                        }
                    ],
                    "consent": {
                        "status": "given",
                        "recipient": "comensha",
                        "purpose": "registration",
                        "given_by": "subject",
                    },
                }
            )
            row = signal_service.save(session, actor, content, keys, submit=True)
            gate.deliver(
                session,
                actor,
                gate.RouteRequest(
                    signal_id=row.id,
                    recipient_org_id=comensha,
                    purpose=Purpose.REGISTRATION,
                ),
                keys,
            )
            count += 1
    return count


def _actor(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValueError(f"demo: onbekende gebruiker {username}")
    return Actor.of(user)


def _org_id(session: Session, slug: str) -> int:
    return _actor(session, f"{slug}.medewerker").org_id


def _load_signals(
    session: Session, keys: KeyMaterial, specs: list[dict[str, Any]]
) -> None:
    """Signals entered, routed and followed up through the intake and the gate."""
    from schakel.services import gate
    from schakel.services import signals as signal_service
    from schakel.signals import SignalInput
    from schakel.vocabulary import Purpose

    for spec in specs:
        actor = _actor(session, spec["user"])
        content = SignalInput.model_validate(spec["signal"])
        row = signal_service.save(session, actor, content, keys, submit=True)
        route = spec.get("route")
        if not route:
            continue
        request = gate.RouteRequest(
            signal_id=row.id,
            recipient_org_id=_org_id(session, route["to"]),
            purpose=Purpose(route["purpose"]),
            serious_danger=route.get("serious_danger"),
        )
        share = gate.deliver(session, actor, request, keys)
        follow_up = spec.get("follow_up")
        if follow_up:
            gate.update_status(
                session,
                _actor(session, follow_up["by"]),
                share.id,
                follow_up["status"],
                follow_up.get("reason", ""),
            )


def _load_reasonings(session: Session, specs: list[dict[str, Any]]) -> None:
    """Documented share-check reasonings, made as each user would in the wizard."""
    from schakel.rules import parse_question
    from schakel.services import share_check

    for spec in specs:
        actor = _actor(session, spec["user"])
        question = parse_question({"sender": actor.org_type.value, **spec["question"]})
        share_check.save_reasoning(session, actor, question, spec["note"])


def print_logins(console: Console, logins: list[DemoLogin]) -> None:
    table = Table(
        "gebruikersnaam",
        "wie",
        title=f"Demo-log-ins (wachtwoord voor allemaal: {demo_password()})",
    )
    for login in logins:
        table.add_row(login.username, login.who)
    console.print(table)
    console.print(
        "Elke organisatie heeft ook <slug>.medewerker / .analist / .privacy / .beheer."
    )


def _load_cases(
    session: Session, keys: KeyMaterial, specs: list[dict[str, Any]]
) -> int:
    """Case conferences opened, joined and run through the case service."""
    import datetime as dt

    from schakel.services import cases
    from schakel.services import signals as signal_service
    from schakel.signals import SignalInput
    from schakel.vocabulary import Covenant

    for spec in specs:
        lead = _actor(session, spec["opened_by"])
        content = SignalInput.model_validate(spec["signal"])
        row = signal_service.save(session, lead, content, keys, submit=True)
        case = cases.open_case(
            session, lead, keys, frame=Covenant(spec["frame"]), signal_id=row.id
        )
        for slug in spec.get("invite", []):
            cases.invite(session, lead, case.id, _org_id(session, slug))
        for username in spec.get("accept", []):
            cases.accept(session, _actor(session, username), case.id)
        for item in spec.get("contributions", []):
            cases.contribute(
                session,
                _actor(session, item["by"]),
                keys,
                case.id,
                item["text"],
                identifying=item.get("identifying", False),
                professional_secrecy=item.get("professional_secrecy"),
            )
        if spec.get("status"):
            cases.set_status(session, lead, case.id, spec["status"])
        for item in spec.get("decisions", []):
            cases.record_decision(
                session,
                _actor(session, item["by"]),
                keys,
                case.id,
                item["text"],
                item["reason"],
            )
        for item in spec.get("actions", []):
            cases.add_action(
                session,
                _actor(session, item["by"]),
                keys,
                case.id,
                item["text"],
                _actor(session, item["owner"]).user_id,
                dt.date.today() + dt.timedelta(days=item["days"]),
            )
    return len(specs)
