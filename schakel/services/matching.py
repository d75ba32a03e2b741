"""Hit/no-hit in the platform: every submitted signal is compared with the signals of
other organisations through keyed tokens and person encodings.

Tokens and person encodings are stored at intake; the comparison itself runs from
the durable queue in :mod:`schakel.services.match_queue`, one signal at a time in
submission order. A signal is compared only with signals whose own matching is done
(no job left), so each pair of signals is compared once, by the later one.

A hit tells both reporters *that* another organisation (its type, region and a
contact person) has a signal about possibly the same person, phone number or
account — never the other's data. The comparison runs elevated (across
organisations) but its only output is the alert. Signals older than the match window
no longer produce alerts (matches decay with retention).
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
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
    MatchJob,
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


def encode_persons(
    content: SignalInput, keys: KeyMaterial, encoder: Encoder | None = None
) -> list[dict[str, object]]:
    """Bloom encodings of every person with a name and a date of birth.

    Without ``encoder`` a fresh one is made (75 µs): a long-lived encoder's value
    cache would keep plaintext names in the server's memory for its whole life, so
    only a bulk import passes one, for the duration of the import.
    """
    encoder = encoder or Encoder(keys.linkage_secret, PERSON_CONFIG)
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


def birth_year_block(date_of_birth: str, secret: bytes) -> str:
    """Keyed token of the birth year: the blocking key for person comparisons."""
    return token("text", f"geboortejaar:{date_of_birth[:4]}", secret)


def encoding_rows(
    org_id: int,
    signal_id: int,
    content: SignalInput,
    keys: KeyMaterial,
    encoder: Encoder | None = None,
) -> list[dict[str, object]]:
    """The person encodings of one signal as rows for a bulk insert."""
    people = [
        p for p in content.persons if p.date_of_birth and (p.given_name or p.surname)
    ]
    if not people:
        return []
    return [
        {
            "org_id": org_id,
            "signal_id": signal_id,
            "encoding": encoding,
            "block": birth_year_block(str(person.date_of_birth), keys.linkage_secret),
        }
        for person, encoding in zip(
            people, encode_persons(content, keys, encoder), strict=True
        )
    ]


def index_signal(
    session: Session, row: Signal, content: SignalInput, keys: KeyMaterial
) -> None:
    """Store the person encodings of a submitted signal (tokens come at intake)."""
    rows = encoding_rows(row.org_id, row.id, content, keys)
    if rows:
        session.execute(insert(PersonEncoding), rows)


@dataclass(frozen=True)
class _Candidate:
    """What matching may know of another signal: references and vocabulary only."""

    org_id: int
    reporter_user_id: int
    status: str
    submitted_at: datetime | None
    municipality: str | None
    region: str
    queued: bool


def _since(candidate: _Candidate, since: datetime) -> bool:
    return candidate.submitted_at is not None and candidate.submitted_at >= since


def raise_alerts(session: Session, row: Signal) -> list[Hit]:
    """Match one submitted signal (see :func:`match_signals`)."""
    return match_signals(session, [row])


def match_signals(session: Session, rows: list[Signal]) -> list[Hit]:
    """Hits, alerts and carousels for ``rows`` (queued signals, in queue order).

    Each signal is compared with the other organisations' recent signals whose
    matching is done, and with the signals before it in ``rows``; one query per
    kind of data serves the whole batch, so the cost per signal is a few
    dictionary look-ups. Alerts are audited without personal data, the entry
    naming the signal's reporter, on whose submission it runs.
    """
    if not rows:
        return []
    with elevated(session):
        ids = [r.id for r in rows]
        own_tokens = select(SignalToken.token).where(SignalToken.signal_id.in_(ids))
        tokens_of: dict[int, dict[str, str]] = defaultdict(dict)
        holders: dict[str, list[int]] = defaultdict(list)
        for signal_id, kind, value in session.execute(
            select(SignalToken.signal_id, SignalToken.kind, SignalToken.token).where(
                SignalToken.token.in_(own_tokens.scalar_subquery())
            )
        ):
            tokens_of[signal_id][value] = kind
            holders[value].append(signal_id)
        match_since = utcnow() - timedelta(days=MATCH_WINDOW_DAYS)
        people_of: dict[int, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        in_block: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for signal_id, block, encoding in session.execute(
            select(
                PersonEncoding.signal_id, PersonEncoding.block, PersonEncoding.encoding
            ).where(
                PersonEncoding.signal_id.in_(ids), PersonEncoding.block.is_not(None)
            )
        ):
            people_of[signal_id].append((block, encoding))
        # Candidates: another organisation's recent persons in the blocks of the
        # batch's persons, one query per organisation in the batch (the block is
        # coarse, so the organisation filter must run in the database).
        org_of = {r.id: r.org_id for r in rows}
        blocks_of_org: dict[int, set[str]] = defaultdict(set)
        for signal_id, people in people_of.items():
            blocks_of_org[org_of[signal_id]].update(block for block, _e in people)
        for org_id, blocks in blocks_of_org.items():
            for signal_id, block, encoding in session.execute(
                select(
                    PersonEncoding.signal_id,
                    PersonEncoding.block,
                    PersonEncoding.encoding,
                )
                .join(Signal, Signal.id == PersonEncoding.signal_id)
                .where(
                    PersonEncoding.block.in_(blocks),
                    PersonEncoding.org_id != org_id,
                    Signal.status == "submitted",
                    Signal.submitted_at >= match_since,
                )
            ):
                in_block[block].append((signal_id, encoding))
        # Read after the tokens and encodings: a signal committed in between is seen
        # here together with its job (one transaction wrote both), so it waits for
        # its own turn instead of being compared twice.
        wanted = {i for found in holders.values() for i in found}
        wanted |= {i for found in in_block.values() for i, _e in found}
        known = _candidates(session, wanted)
        carousel_since = utcnow() - timedelta(days=CAROUSEL_WINDOW_DAYS)
        done: set[int] = set()
        all_hits: list[Hit] = []
        analysts: list[Organisation] | None = None
        for row in rows:

            def comparable(other: int, row: Signal = row) -> bool:
                found = known.get(other)
                return (
                    found is not None
                    and other != row.id
                    and found.org_id != row.org_id
                    and found.status == "submitted"
                    and _since(found, match_since)
                    and (not found.queued or other in done)
                )

            hits: dict[tuple[int, str], Hit] = {}
            for value, kind in tokens_of[row.id].items():
                for other in holders[value]:
                    if comparable(other):
                        hits[(other, kind)] = Hit(
                            row.id, other, known[other].org_id, kind, 1.0
                        )
            for block, mine in people_of[row.id]:
                for other, theirs in in_block[block]:
                    if not comparable(other):
                        continue
                    score = person_similarity(mine, theirs)
                    best = hits.get((other, "person"))
                    if score > 0 and (best is None or best.score < score):
                        hits[(other, "person")] = Hit(
                            row.id,
                            other,
                            known[other].org_id,
                            "person",
                            round(score, 3),
                        )
            for hit in hits.values():
                _alert_pair(session, row, hit, known[hit.other_signal])
            all_hits += hits.values()
            analysts = _carousels(
                session,
                row,
                tokens_of[row.id],
                holders,
                known,
                carousel_since,
                analysts,
            )
            done.add(row.id)
    return all_hits


def _candidates(session: Session, ids: set[int]) -> dict[int, _Candidate]:
    if not ids:
        return {}
    query = (
        select(
            Signal.id,
            Signal.org_id,
            Signal.reporter_user_id,
            Signal.status,
            Signal.submitted_at,
            Signal.municipality,
            Signal.region,
            MatchJob.id,
        )
        .outerjoin(MatchJob, MatchJob.signal_id == Signal.id)
        .where(Signal.id.in_(ids))
    )
    return {
        int(i): _Candidate(int(o), int(u), st, at, m, r, job is not None)
        for i, o, u, st, at, m, r, job in session.execute(query)
    }


def _alert_pair(session: Session, row: Signal, hit: Hit, other: _Candidate) -> None:
    """The two alerts of one hit and its audit entry (references only)."""
    session.add(
        MatchAlert(
            org_id=row.org_id,
            signal_id=row.id,
            other_org_id=other.org_id,
            other_signal_id=hit.other_signal,
            other_contact_user_id=other.reporter_user_id,
            kind=hit.kind,
            score=hit.score,
        )
    )
    session.add(
        MatchAlert(
            org_id=other.org_id,
            signal_id=hit.other_signal,
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
        actor_user_id=row.reporter_user_id,
        org_id=row.org_id,
        object_type="signal",
        object_ref=row.id,
        detail={"kind": hit.kind, "other_org_id": other.org_id},
    )


def _fingerprint(kind: str, token: str) -> str:
    return hashlib.sha256(f"carousel|{kind}|{token}".encode()).hexdigest()


def _carousels(
    session: Session,
    row: Signal,
    own: dict[str, str],
    holders: dict[str, list[int]],
    known: dict[int, _Candidate],
    since: datetime,
    analysts: list[Organisation] | None,
) -> list[Organisation] | None:
    """Alert analysts when one identifier shows up in signals from ≥3 municipalities.

    Returns the analyst organisations once read (a batch reads them at most once).
    """
    for value, kind in own.items():
        recent = [
            c
            for c in (known.get(i) for i in set(holders[value]))
            if c is not None and c.status == "submitted" and _since(c, since)
        ]
        municipalities = sorted({c.municipality or "?" for c in recent})
        if len(municipalities) < CAROUSEL_MIN_MUNICIPALITIES:
            continue
        regions = sorted({c.region for c in recent})
        if analysts is None:
            analysts = [
                o
                for o in session.scalars(select(Organisation))
                if o.org_type in {t.value for t in ANALYST_ORG_TYPES}
            ]
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
                        signal_count=len(recent),
                    )
                )
            else:
                existing.municipalities = municipalities
                existing.regions = regions
                existing.signal_count = len(recent)
    return analysts


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
