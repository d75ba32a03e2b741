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
    signal_ids = _load_signals(session, keys, data.get("signals", []))
    progress(f"  {_match_queued(session)} signalen vergeleken (hit/no-hit)")
    registered = _load_registrations(session, keys, data.get("registrations"))
    progress(f"  {registered} registraties bij CoMensha (synthetische populatie)")
    routed = sum(1 for spec in data.get("signals", []) if spec.get("route"))
    progress(
        f"  {len(data.get('signals', []))} signalen via de intake, "
        f"{routed} doorgezet via de deelpoort"
    )
    opened = _load_cases(session, keys, data.get("cases", []))
    progress(f"  {opened} casusoverleg(gen) via de casusdienst en de deelpoort")
    rights_done = _load_rights(session, keys, data.get("rights"), signal_ids)
    progress(
        f"  {rights_done} verzoek(en) van betrokkenen via de rechtendienst "
        "(inzage, rectificatie, wissen)"
    )
    _match_queued(session)
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
) -> list[int]:
    """Signals entered, routed and followed up through the intake and the gate;
    returns their ids in the order of the scenario."""
    from schakel.services import gate
    from schakel.services import signals as signal_service
    from schakel.signals import SignalInput
    from schakel.vocabulary import Purpose

    ids: list[int] = []
    for spec in specs:
        actor = _actor(session, spec["user"])
        content = SignalInput.model_validate(spec["signal"])
        row = signal_service.save(session, actor, content, keys, submit=True)
        ids.append(row.id)
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
    return ids


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
    """Case conferences opened, joined, met about and (optionally) closed through
    the case service, each step by the user who would take it."""
    for spec in specs:
        _load_case(session, keys, spec)
    return len(specs)


def _load_case(session: Session, keys: KeyMaterial, spec: dict[str, Any]) -> None:
    import datetime as dt

    from schakel.services import cases
    from schakel.services import signals as signal_service
    from schakel.signals import SignalInput
    from schakel.store.models import MatchAlert
    from schakel.vocabulary import Covenant

    today = dt.date.today()
    lead = _actor(session, spec["opened_by"])
    #: The signals of this scenario by organisation, for contributions to link.
    signals: dict[int, int] = {}
    other = spec.get("other_signal")
    if other:
        reporter = _actor(session, other["by"])
        content = SignalInput.model_validate(other["signal"])
        row = signal_service.save(session, reporter, content, keys, submit=True)
        signals[reporter.org_id] = row.id
    reporter = _actor(session, spec.get("reported_by", spec["opened_by"]))
    content = SignalInput.model_validate(spec["signal"])
    row = signal_service.save(session, reporter, content, keys, submit=True)
    signals[reporter.org_id] = row.id
    frame = Covenant(spec["frame"])
    if spec.get("from_alert_with"):
        # Opened from the hit both organisations were alerted to at intake.
        _match_queued(session)
        alert = session.scalars(
            select(MatchAlert).where(
                MatchAlert.org_id == lead.org_id,
                MatchAlert.signal_id == row.id,
                MatchAlert.other_org_id == _org_id(session, spec["from_alert_with"]),
            )
        ).first()
        if alert is None:
            raise ValueError("demo: de signalen van de casus geven geen hit-melding")
        case = cases.open_case(session, lead, keys, frame=frame, alert_id=alert.id)
    else:
        case = cases.open_case(session, lead, keys, frame=frame, signal_id=row.id)
    for slug in spec.get("invite", []):
        cases.invite(session, lead, case.id, _org_id(session, slug))
    for username in spec.get("accept", []):
        cases.accept(session, _actor(session, username), case.id)
    for username in spec.get("members", []):
        member = _actor(session, username)
        coordinator = _actor(session, f"{username.split('.')[0]}.analist")
        cases.name_member(session, coordinator, case.id, member.user_id)
        cases.accept_membership(session, member, case.id)
    for item in spec.get("contributions", []):
        author = _actor(session, item["by"])
        cases.contribute(
            session,
            author,
            keys,
            case.id,
            item["text"],
            signal_id=signals[author.org_id] if item.get("link_signal") else None,
            identifying=item.get("identifying", False),
            professional_secrecy=item.get("professional_secrecy"),
            documents=[
                cases.DocumentRef(d["title"], d["reference"])
                for d in item.get("documents", [])
            ],
        )
    if spec.get("status"):
        cases.set_status(session, lead, case.id, spec["status"])
    for item in spec.get("meetings", []):
        meeting = cases.add_meeting(
            session,
            lead,
            keys,
            case.id,
            today + dt.timedelta(days=item.get("days", 0)),
            item["title"],
        )
        for text in item.get("agenda", []):
            cases.add_agenda_item(session, lead, keys, case.id, meeting.id, text)
        entries: list[int] = []
        for minute in item.get("minutes", []):
            corrects = minute.get("corrects")
            entries.append(
                cases.add_minute(
                    session,
                    _actor(session, minute["by"]),
                    keys,
                    case.id,
                    meeting.id,
                    minute["text"],
                    entries[corrects] if corrects is not None else None,
                ).id
            )
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
        owner = _actor(session, item["owner"])
        action = cases.add_action(
            session,
            _actor(session, item["by"]),
            keys,
            case.id,
            item["text"],
            owner.user_id,
            today + dt.timedelta(days=item["days"]),
        )
        if item.get("done"):
            cases.complete_action(session, owner, action.id)
    closing = spec.get("close")
    if closing:
        cases.close(
            session, lead, keys, case.id, closing["outcome"], closing.get("reason", "")
        )


def _match_queued(session: Session) -> int:
    """Drain the matching queue now, as the server's worker would shortly after
    intake, so the demo's alerts exist before cases are opened from them."""
    from schakel.services import match_queue

    return match_queue.process(session, limit=None, seconds=None)


def _load_rights(
    session: Session,
    keys: KeyMaterial,
    spec: dict[str, Any] | None,
    signal_ids: list[int],
) -> int:
    """Requests of data subjects, handled through the rights services as a privacy
    officer would: an answered subject-access request with a recorded exemption, a
    rectification and an erasure waiting for approval."""
    if not spec:
        return 0
    import datetime as dt

    from schakel.clock import utcnow
    from schakel.services import rectification, rights
    from schakel.services import signals as signal_service
    from schakel.signals import SignalInput

    count = 0
    for item in spec.get("access_requests", []):
        officer = _actor(session, item["by"])
        received = utcnow().date() - dt.timedelta(days=item["days_ago"])
        request = rights.create_request(
            session, officer, item["subject"], keys, received.isoformat()
        )
        report = rights.report(session, officer, request.id, keys)
        for exemption in item.get("exemptions", []):
            holder = _org_name(session, exemption["organisation"])
            key = next(
                i.key
                for i in report.items
                if i.organisation == holder and i.kind == exemption["kind"]
            )
            rights.add_exemption(
                session,
                officer,
                request.id,
                key,
                exemption["ground"],
                exemption["note"],
                keys,
            )
        if item.get("handled"):
            rights.mark_handled(session, officer, request.id)
        count += 1
    for item in spec.get("rectifications", []):
        rectification.request_rectification(
            session,
            _actor(session, item["by"]),
            signal_ids[item["signal"]],
            item["field"],
            item["value"],
            item["reason"],
            keys,
        )
        count += 1
    for item in spec.get("erasures", []):
        reporter = _actor(session, item["reported_by"])
        content = SignalInput.model_validate(item["signal"])
        row = signal_service.save(session, reporter, content, keys, submit=True)
        rights.request_erasure(
            session, _actor(session, item["by"]), row.id, item["reason"]
        )
        count += 1
    return count


def _org_name(session: Session, slug: str) -> str:
    org = session.get(Organisation, _org_id(session, slug))
    assert org is not None
    return org.name
