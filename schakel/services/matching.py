"""Hit/no-hit in the platform: every submitted signal is compared with the signals of
other organisations through keyed tokens and person encodings.

A hit tells both reporters *that* another organisation (its type, region and a
contact person) has a signal about possibly the same person, phone number or
account — never the other's data. The comparison runs elevated (across
organisations) but its only output is the alert. Signals older than the match window
no longer produce alerts (matches decay with retention).
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from schakel.clock import utcnow
from schakel.linkage import Encoder, LinkageConfig, dice_reference, token
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.signals import SignalInput
from schakel.store import audit_log
from schakel.store.models import (
    CarouselAlert,
    MatchAlert,
    Organisation,
    PersonEncoding,
    Signal,
    SignalToken,
    User,
)
from schakel.store.tenancy import elevated
from schakel.vocabulary import OrgType, Role

MATCH_WINDOW_DAYS = 365
CAROUSEL_WINDOW_DAYS = 180
CAROUSEL_MIN_MUNICIPALITIES = 3
#: Names must agree more when the dates of birth agree less; a name variant such as
#: Daria/Darja Testescu/Testesku scores ~0.67 on names with an identical date.
NAME_THRESHOLD = 0.72
NAME_THRESHOLD_SAME_DATE = 0.6
DATE_THRESHOLD = 0.80
SAME_DATE = 0.95
ANALYST_ORG_TYPES = (OrgType.POLICE, OrgType.RIEC)
PERSON_CONFIG = LinkageConfig.model_validate(
    {
        "id_column": "id",
        "fields": [
            {"column": "given_name", "kind": "name"},
            {"column": "surname", "kind": "name"},
            {"column": "date_of_birth", "kind": "date"},
        ],
    }
)


def encode_persons(content: SignalInput, keys: KeyMaterial) -> list[dict[str, object]]:
    """Bloom encodings of every person with a name and a date of birth."""
    encoder = Encoder(keys.linkage_secret, PERSON_CONFIG)
    out = []
    for index, person in enumerate(content.persons):
        if not person.date_of_birth or not (person.given_name or person.surname):
            continue
        row = {
            "id": str(index),
            "given_name": person.given_name or "",
            "surname": person.surname or "",
            "date_of_birth": person.date_of_birth,
        }
        out.append(encoder.encode(row).record)
    return out


def _bloom(encoding: dict[str, object], field: str) -> bytes | None:
    import base64

    fields = encoding.get("fields")
    if not isinstance(fields, dict) or field not in fields:
        return None
    value = fields[field].get("bloom")
    return (
        base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_")
        if value
        else None
    )


def person_similarity(a: dict[str, object], b: dict[str, object]) -> float:
    """0..1: names (straight or swapped, best of both) and date of birth must agree."""
    dob_a, dob_b = _bloom(a, "date_of_birth"), _bloom(b, "date_of_birth")
    if dob_a is None or dob_b is None:
        return 0.0
    dob = dice_reference(dob_a, dob_b)
    if dob < DATE_THRESHOLD:
        return 0.0
    names = []
    for first, second in (
        (("given_name", "given_name"), ("surname", "surname")),
        (("given_name", "surname"), ("surname", "given_name")),
    ):
        scores = [
            dice_reference(x, y)
            for x, y in (
                (_bloom(a, first[0]), _bloom(b, first[1])),
                (_bloom(a, second[0]), _bloom(b, second[1])),
            )
            if x is not None and y is not None
        ]
        if scores:
            names.append(sum(scores) / len(scores))
    name = max(names, default=0.0)
    needed = NAME_THRESHOLD_SAME_DATE if dob >= SAME_DATE else NAME_THRESHOLD
    return 0.0 if name < needed else (name + dob) / 2


@dataclass(frozen=True)
class Hit:
    own_signal: int
    other_signal: int
    other_org: int
    kind: str
    score: float


def _recent(session: Session, days: int) -> list[Signal]:
    since = utcnow() - timedelta(days=days)
    query = select(Signal).where(
        Signal.status == "submitted", Signal.submitted_at >= since
    )
    return list(session.scalars(query))


def _live_others(session: Session, row: Signal, ids: set[int]) -> dict[int, int]:
    """Signal id -> organisation for the other organisations' recent signals in ids."""
    if not ids:
        return {}
    since = utcnow() - timedelta(days=MATCH_WINDOW_DAYS)
    query = select(Signal.id, Signal.org_id).where(
        Signal.id.in_(ids),
        Signal.status == "submitted",
        Signal.submitted_at >= since,
        Signal.org_id != row.org_id,
    )
    return {int(i): int(o) for i, o in session.execute(query)}


def find_hits(session: Session, row: Signal) -> list[Hit]:
    """Hits between ``row`` and other organisations' recent signals (elevated read).

    Only candidates that share a keyed token, or a person's birth-year block, are
    read: the cost grows with the number of candidates, not with all signals.
    """
    with elevated(session):
        hits: dict[tuple[int, str], Hit] = {}
        own_tokens = {
            t.token: t.kind
            for t in session.scalars(
                select(SignalToken).where(SignalToken.signal_id == row.id)
            )
        }
        matches = (
            session.execute(
                select(SignalToken.signal_id, SignalToken.token).where(
                    SignalToken.token.in_(list(own_tokens)),
                    SignalToken.signal_id != row.id,
                )
            ).all()
            if own_tokens
            else []
        )
        own_people = session.scalars(
            select(PersonEncoding).where(PersonEncoding.signal_id == row.id)
        ).all()
        blocks = {p.block for p in own_people if p.block}
        candidates = (
            session.scalars(
                select(PersonEncoding).where(
                    PersonEncoding.block.in_(blocks), PersonEncoding.signal_id != row.id
                )
            ).all()
            if blocks
            else []
        )
        live = _live_others(
            session, row, {m[0] for m in matches} | {c.signal_id for c in candidates}
        )
        for signal_id, value in matches:
            if signal_id in live:
                kind = own_tokens[value]
                hits[(signal_id, kind)] = Hit(
                    row.id, signal_id, live[signal_id], kind, 1.0
                )
        for mine in own_people:
            for theirs in candidates:
                if theirs.signal_id not in live or theirs.block != mine.block:
                    continue
                score = person_similarity(mine.encoding, theirs.encoding)
                best = hits.get((theirs.signal_id, "person"))
                if score > 0 and (best is None or best.score < score):
                    hits[(theirs.signal_id, "person")] = Hit(
                        row.id,
                        theirs.signal_id,
                        live[theirs.signal_id],
                        "person",
                        round(score, 3),
                    )
    return list(hits.values())


def birth_year_block(date_of_birth: str, secret: bytes) -> str:
    """Keyed token of the birth year: the blocking key for person comparisons."""
    return token("text", f"geboortejaar:{date_of_birth[:4]}", secret)


def index_signal(
    session: Session, row: Signal, content: SignalInput, keys: KeyMaterial
) -> None:
    """Store the person encodings of a submitted signal (tokens come at intake)."""
    people = [
        p for p in content.persons if p.date_of_birth and (p.given_name or p.surname)
    ]
    for person, encoding in zip(people, encode_persons(content, keys), strict=True):
        session.add(
            PersonEncoding(
                org_id=row.org_id,
                signal_id=row.id,
                encoding=encoding,
                block=birth_year_block(str(person.date_of_birth), keys.linkage_secret),
            )
        )
    session.flush()


def raise_alerts(session: Session, actor: Actor, row: Signal) -> list[Hit]:
    """Create the pair of alerts for every hit, audited without personal data."""
    hits = find_hits(session, row)
    with elevated(session):
        for hit in hits:
            other = session.get(Signal, hit.other_signal)
            assert other is not None
            session.add(
                MatchAlert(
                    org_id=row.org_id,
                    signal_id=row.id,
                    other_org_id=other.org_id,
                    other_signal_id=other.id,
                    other_contact_user_id=other.reporter_user_id,
                    kind=hit.kind,
                    score=hit.score,
                )
            )
            session.add(
                MatchAlert(
                    org_id=other.org_id,
                    signal_id=other.id,
                    other_org_id=row.org_id,
                    other_signal_id=row.id,
                    other_contact_user_id=row.reporter_user_id,
                    kind=hit.kind,
                    score=hit.score,
                )
            )
            audit_log.append(
                session,
                "match.hit",
                actor_user_id=actor.user_id,
                org_id=actor.org_id,
                object_type="signal",
                object_ref=row.id,
                detail={"kind": hit.kind, "other_org_id": other.org_id},
            )
        _carousels(session, row)
    return hits


def _fingerprint(kind: str, token: str) -> str:
    return hashlib.sha256(f"carousel|{kind}|{token}".encode()).hexdigest()


def _carousels(session: Session, row: Signal) -> None:
    """Alert analysts when one identifier shows up in signals from ≥3 municipalities."""
    own = {
        t.token: t.kind
        for t in session.scalars(
            select(SignalToken).where(SignalToken.signal_id == row.id)
        )
    }
    if not own:
        return
    sharing = session.execute(
        select(SignalToken.signal_id, SignalToken.token).where(
            SignalToken.token.in_(list(own))
        )
    ).all()
    since = utcnow() - timedelta(days=CAROUSEL_WINDOW_DAYS)
    recent = {
        s.id: s
        for s in session.scalars(
            select(Signal).where(
                Signal.id.in_({i for i, _ in sharing}),
                Signal.status == "submitted",
                Signal.submitted_at >= since,
            )
        )
    }
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for signal_id, value in sharing:
        if signal_id in recent:
            groups[(own[value], value)].add(signal_id)
    analysts = [
        o
        for o in session.scalars(select(Organisation))
        if o.org_type in {t.value for t in ANALYST_ORG_TYPES}
    ]
    for (kind, value), signal_ids in groups.items():
        municipalities = sorted({recent[i].municipality or "?" for i in signal_ids})
        if len(municipalities) < CAROUSEL_MIN_MUNICIPALITIES:
            continue
        regions = sorted({recent[i].region for i in signal_ids})
        fingerprint = _fingerprint(kind, value)
        for org in analysts:
            if org.region not in regions:
                continue
            existing = session.scalars(
                select(CarouselAlert).where(
                    CarouselAlert.org_id == org.id,
                    CarouselAlert.fingerprint == fingerprint,
                )
            ).first()
            if existing is None:
                session.add(
                    CarouselAlert(
                        org_id=org.id,
                        kind=kind,
                        fingerprint=fingerprint,
                        municipalities=municipalities,
                        regions=regions,
                        signal_count=len(signal_ids),
                    )
                )
            else:
                existing.municipalities = municipalities
                existing.regions = regions
                existing.signal_count = len(signal_ids)


@dataclass(frozen=True)
class AlertView:
    id: int
    signal_id: int
    kind: str
    other_org_name: str
    other_org_type: str
    other_region: str
    contact: str
    created_at: str


def alerts_for(session: Session, actor: Actor) -> list[AlertView]:
    """The organisation's hit alerts, decayed: none on signals past the window."""
    since = utcnow() - timedelta(days=MATCH_WINDOW_DAYS)
    rows = session.scalars(
        select(MatchAlert)
        .where(MatchAlert.org_id == actor.org_id, MatchAlert.created_at >= since)
        .order_by(MatchAlert.created_at.desc())
    ).all()
    views = []
    for alert in rows:
        org = session.get(Organisation, alert.other_org_id)
        contact = session.get(User, alert.other_contact_user_id)
        views.append(
            AlertView(
                alert.id,
                alert.signal_id,
                alert.kind,
                org.name if org else "?",
                org.org_type if org else "?",
                org.region if org else "?",
                contact.display_name if contact else "?",
                alert.created_at.strftime("%d-%m-%Y"),
            )
        )
    return views


def carousels_for(session: Session, actor: Actor) -> list[CarouselAlert]:
    if actor.org_type not in ANALYST_ORG_TYPES or not actor.has(Role.COORDINATOR):
        return []
    return list(
        session.scalars(
            select(CarouselAlert)
            .where(CarouselAlert.org_id == actor.org_id)
            .order_by(CarouselAlert.created_at.desc())
        )
    )
