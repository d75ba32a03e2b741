"""Data-subject rights across partners: subject access, erasure, legal holds.

Subject access (AVG art. 15; one contact point as the Wgs asks): a privacy officer
enters what identifies the person; the platform finds every signal about that person
in *every* organisation through the keyed match tokens and the person encodings
(read elevated, like matching) and reduces what it found to what the data subject is
entitled to know: who holds or received data, which categories, for which purpose,
on which ground, when and from whom. Never another organisation's content.
Exemptions are recorded per report item with a cited ground, never applied silently.

Erasure (AVG art. 17): requested and approved by privacy officers of the
organisation that controls the signal. Execution replaces the content by an empty
encrypted tombstone, deletes tokens, person encodings and match alerts, and has the
gate tombstone every share made from the signal. A legal hold refuses it, with the
ground, in the audit log. Audit entries hold ids and ground ids only, so the chain
is untouched and still verifies.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from schakel.clock import utcnow
from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.linkage import InvalidValue, normalise, token
from schakel.services import gate
from schakel.services import signals as signal_service
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.services.matching import (
    birth_year_block,
    encode_persons,
    person_similarity,
)
from schakel.signals import PartyRole, PersonInput, SignalInput, categories_of
from schakel.store import audit_log
from schakel.store.models import (
    ErasureRequest,
    MatchAlert,
    Organisation,
    PersonEncoding,
    RectificationRequest,
    ScreeningHit,
    Share,
    Signal,
    SignalToken,
    SubjectAccessRequest,
)
from schakel.store.tenancy import elevated
from schakel.vocabulary import DataCategory, OrgType, Purpose, Role, label

SUBJECT_CONTEXT = "rights.subject"
#: Encryption context of a rectification's pending value and refusal reason.
RECTIFICATION_CONTEXT = "rights.rectification"
ERASED = "erased"
OPEN, EXTENDED, HANDLED = "open", "verlengd", "afgehandeld"
REQUESTED, EXECUTED, REFUSED = "aangevraagd", "uitgevoerd", "geweigerd"
#: A pending rectification of a signal that was erased in the meantime.
LAPSED = "vervallen"
#: A recipient that picked the signal up for an investigation holds it.
INVESTIGATION_STATUS = "opgepakt_onderzoek"


# ------------------------------------------------------------------ grounds (data)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CitedGround(_Strict):
    citation: str = Field(min_length=3)
    text_nl: str = Field(min_length=3)


class RightsGrounds(_Strict):
    version: int
    exemptions: dict[str, CitedGround]
    holds: dict[str, CitedGround]
    erasure_reasons: dict[str, CitedGround]
    rectification_reasons: dict[str, CitedGround]


@cache
def grounds() -> RightsGrounds:
    """The shipped grounds (``rights_grounds.yaml``), validated once."""
    text = files("schakel.services").joinpath("rights_grounds.yaml").read_text("utf-8")
    return RightsGrounds.model_validate(yaml.safe_load(text))


def require_privacy_officer(actor: Actor) -> None:
    if not actor.has(Role.PRIVACY_OFFICER):
        raise NotPermitted("Alleen de privacyfunctionaris kan dit doen.")


# ------------------------------------------------------------------ dates


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


# ------------------------------------------------------------------ subject query


class QueryProblem(InvalidInput):
    """The identifying details cannot be searched; ``fields`` names each problem."""

    def __init__(self, message: str, fields: dict[str, str]) -> None:
        super().__init__(message)
        self.fields = fields


NOT_ENOUGH = (
    "Te weinig gegevens om te zoeken. Vul naam (voornaam of achternaam) én "
    "geboortedatum in, of ten minste één exact kenmerk: BSN, telefoonnummer of "
    "e-mailadres."
)
QUERY_FIELDS = ("given_name", "surname", "date_of_birth", "phone", "bsn", "email")
_FIELD_KINDS = {
    "date_of_birth": "date",
    "phone": "phone",
    "bsn": "bsn",
    "email": "email",
}
_FIELD_NAMES = {
    "date_of_birth": "geboortedatum",
    "phone": "telefoonnummer",
    "bsn": "BSN",
    "email": "e-mailadres",
}


@dataclass(frozen=True)
class SubjectQuery:
    """Normalised identifying details of one data subject."""

    given_name: str = ""
    surname: str = ""
    date_of_birth: str = ""
    phone: str = ""
    bsn: str = ""
    email: str = ""

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in QUERY_FIELDS}


def parse_query(raw: dict[str, Any]) -> SubjectQuery:
    """Normalise the details; refuse invalid values and too little to search on."""
    values: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name in QUERY_FIELDS:
        value = str(raw.get(name) or "").strip()[:200]
        if value and name in _FIELD_KINDS:
            try:
                value = normalise(_FIELD_KINDS[name], value)
            except InvalidValue as exc:
                problems[name] = f"{_FIELD_NAMES[name]}: {exc}"
                continue
        values[name] = value
    if problems:
        raise QueryProblem("; ".join(problems.values()), problems)
    query = SubjectQuery(**values)
    named = bool(query.given_name or query.surname)
    if not ((named and query.date_of_birth) or query.phone or query.bsn or query.email):
        raise QueryProblem(NOT_ENOUGH, {"given_name": NOT_ENOUGH})
    return query


def find_signals(
    session: Session, query: SubjectQuery, keys: KeyMaterial
) -> dict[int, set[str]]:
    """Signal ids about the person, in any organisation, with what matched (elevated).

    Exact identifiers compare keyed tokens (indexed lookups). Name and date of birth
    compare Bloom encodings with the matcher's thresholds, so spelling variants are
    found, but only within the person's birth-year block: the same keyed block the
    hit/no-hit matching uses (:func:`matching.birth_year_block`), so the cost grows
    with the people born in that year, not with every encoding in the platform.
    """
    found: dict[int, set[str]] = defaultdict(set)
    probes = [
        (kind, token(kind, value, keys.linkage_secret))
        for kind, value in (
            ("phone", query.phone),
            ("email", query.email),
            ("bsn", query.bsn),
        )
        if value
    ]
    with elevated(session):
        for kind, value in probes:
            for signal_id in session.scalars(
                select(SignalToken.signal_id).where(SignalToken.token == value)
            ):
                found[signal_id].add(kind)
        if query.date_of_birth and (query.given_name or query.surname):
            person = PersonInput(
                roles=[PartyRole.OTHER],
                given_name=query.given_name or None,
                surname=query.surname or None,
                date_of_birth=query.date_of_birth,
            )
            mine = encode_persons(SignalInput(persons=[person]), keys)
            block = birth_year_block(query.date_of_birth, keys.linkage_secret)
            candidates = session.execute(
                select(PersonEncoding.signal_id, PersonEncoding.encoding).where(
                    PersonEncoding.block == block
                )
            )
            for signal_id, encoding in candidates:
                if any(person_similarity(p, encoding) > 0 for p in mine):
                    found[signal_id].add("person")
    return dict(found)


# ------------------------------------------------------------------ the report


@dataclass(frozen=True)
class ReportItem:
    """One processing the data subject is entitled to know about."""

    key: str  # "signal:12", "share:5", "alert:3": what an exemption refers to
    kind: str  # vastgelegd | ontvangen | treffermelding
    organisation: str
    org_type: str
    source: str  # from whom (organisation) or how (the signal's source)
    categories: tuple[str, ...]
    purpose: str
    grounds: tuple[tuple[str, str, str], ...]  # (rule id, citation, text)
    when: str
    matched_on: tuple[str, ...]
    erased: bool = False
    rectified: bool = False
    own_signal_id: int | None = None


@dataclass(frozen=True)
class Withheld:
    item: ReportItem
    ground: str
    citation: str
    text_nl: str
    note: str


@dataclass
class Report:
    request: SubjectAccessRequest
    query: SubjectQuery
    items: list[ReportItem] = field(default_factory=list)
    withheld: list[Withheld] = field(default_factory=list)
    effective_deadline: str = ""
    overdue: bool = False


MATCHED_NL = {
    "phone": "telefoonnummer",
    "email": "e-mailadres",
    "bsn": "BSN",
    "person": "naam en geboortedatum",
}
HOLDING_PURPOSE = "Signalering van mogelijke mensenhandel"
HOLDING_GROUND = (
    "",
    "eigen taak van de organisatie",
    "Zie het verwerkingsregister van deze organisatie.",
)


def _org_label(org: Organisation | None) -> tuple[str, str]:
    if org is None:
        return "?", "?"
    try:
        return org.name, label(OrgType(org.org_type))
    except ValueError:
        return org.name, org.org_type


def _day(value: dt.datetime | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def _items(
    session: Session, found: dict[int, set[str]], keys: KeyMaterial, own_org: int
) -> list[ReportItem]:
    items: list[ReportItem] = []
    with elevated(session):
        orgs = {o.id: o for o in session.scalars(select(Organisation))}
        for signal_id in sorted(found):
            row = session.get(Signal, signal_id)
            if row is None or row.erased_at is not None:
                continue
            matched = tuple(sorted(MATCHED_NL[k] for k in found[signal_id]))
            holder = orgs[row.org_id]
            name, org_type = _org_label(holder)
            content = signal_service.decrypt(row, keys)
            held = categories_of(content, OrgType(holder.org_type))
            items.append(
                ReportItem(
                    key=f"signal:{row.id}",
                    kind="vastgelegd",
                    organisation=name,
                    org_type=org_type,
                    source=row.source,
                    categories=tuple(label(c) for c in DataCategory if c in held),
                    purpose=HOLDING_PURPOSE,
                    grounds=(HOLDING_GROUND,),
                    when=_day(row.submitted_at or row.created_at),
                    matched_on=matched,
                    own_signal_id=row.id if row.org_id == own_org else None,
                )
            )
            for share in session.scalars(
                select(Share).where(Share.signal_id == row.id).order_by(Share.id)
            ):
                name, org_type = _org_label(orgs.get(share.org_id))
                sender, sender_type = _org_label(orgs.get(share.sender_org_id))
                answer_grounds = (share.answer or {}).get("grounds") or []
                items.append(
                    ReportItem(
                        key=f"share:{share.id}",
                        kind="ontvangen",
                        organisation=name,
                        org_type=org_type,
                        source=f"{sender} ({sender_type})",
                        categories=(
                            ("geen persoonsgegevens (geanonimiseerd)",)
                            if share.anonymised
                            else tuple(label(DataCategory(c)) for c in share.categories)
                        ),
                        purpose=label(Purpose(share.purpose)),
                        grounds=tuple(
                            (
                                g.get("id", ""),
                                g.get("citation", ""),
                                g.get("text_nl", ""),
                            )
                            for g in answer_grounds
                        ),
                        when=_day(share.created_at),
                        matched_on=matched,
                        erased=share.erased_at is not None,
                        rectified=share.rectified_at is not None,
                    )
                )
            for alert in session.scalars(
                select(MatchAlert).where(MatchAlert.other_signal_id == row.id)
            ):
                name, org_type = _org_label(orgs.get(alert.org_id))
                sender, sender_type = _org_label(holder)
                items.append(
                    ReportItem(
                        key=f"alert:{alert.id}",
                        kind="treffermelding",
                        organisation=name,
                        org_type=org_type,
                        source=f"{sender} ({sender_type})",
                        categories=("alleen dat er een signaal is (geen inhoud)",),
                        purpose="Koppeling van signalen (hit/no-hit)",
                        grounds=(),
                        when=_day(alert.created_at),
                        matched_on=matched,
                    )
                )
    return items


# ------------------------------------------------------------------ requests


def _own_request(
    session: Session, actor: Actor, request_id: int
) -> SubjectAccessRequest:
    require_privacy_officer(actor)
    row = session.scalars(
        select(SubjectAccessRequest).where(SubjectAccessRequest.id == request_id)
    ).first()
    if row is None or row.org_id != actor.org_id:
        raise NotFound("Dit inzageverzoek bestaat niet of is niet van uw organisatie.")
    return row


def effective_deadline(row: SubjectAccessRequest) -> str:
    return row.extended_to or row.deadline


def is_overdue(row: SubjectAccessRequest, today: dt.date | None = None) -> bool:
    today = today or utcnow().date()
    return row.status != HANDLED and today.isoformat() > effective_deadline(row)


def create_request(
    session: Session,
    actor: Actor,
    raw: dict[str, Any],
    keys: KeyMaterial,
    received_on: str | None = None,
) -> SubjectAccessRequest:
    """Register a request; refuses (before storing anything) too little to search."""
    require_privacy_officer(actor)
    query = parse_query(raw)
    try:
        received = (
            dt.date.fromisoformat(received_on) if received_on else utcnow().date()
        )
    except ValueError:
        raise QueryProblem(
            "ontvangen op: geef een datum als JJJJ-MM-DD.",
            {"received_on": "ontvangen op: geef een datum als JJJJ-MM-DD."},
        ) from None
    if received > utcnow().date():
        raise QueryProblem(
            "ontvangen op: ligt in de toekomst.",
            {"received_on": "ontvangen op: ligt in de toekomst."},
        )
    row = SubjectAccessRequest(
        org_id=actor.org_id,
        created_by_user_id=actor.user_id,
        received_on=received.isoformat(),
        deadline=add_months(received, 1).isoformat(),
        extension_reason="",
        status=OPEN,
        subject_enc=keys.keyring.encrypt_json(query.as_dict(), SUBJECT_CONTEXT),
        exemptions=[],
    )
    session.add(row)
    session.flush()
    audit_log.append(
        session,
        "subject_access.create",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="subject_access_request",
        object_ref=row.id,
        detail={"deadline": row.deadline},
    )
    return row


def list_requests(session: Session, actor: Actor) -> list[SubjectAccessRequest]:
    require_privacy_officer(actor)
    return list(
        session.scalars(
            select(SubjectAccessRequest)
            .where(SubjectAccessRequest.org_id == actor.org_id)
            .order_by(SubjectAccessRequest.id.desc())
        )
    )


def report(
    session: Session,
    actor: Actor,
    request_id: int,
    keys: KeyMaterial,
    output: str = "page",
) -> Report:
    """Build the report from the store as it is now (audited as a view; ``output``
    says how it was shown: ``page``, or ``pdf`` with the copy's name)."""
    row = _own_request(session, actor, request_id)
    query = SubjectQuery(**keys.keyring.decrypt_json(row.subject_enc, SUBJECT_CONTEXT))
    found = find_signals(session, query, keys)
    items = _items(session, found, keys, actor.org_id)
    exempt = {e["item"]: e for e in row.exemptions or []}
    result = Report(
        row,
        query,
        effective_deadline=effective_deadline(row),
        overdue=is_overdue(row),
    )
    table = grounds().exemptions
    for item in items:
        exemption = exempt.get(item.key)
        if exemption is None:
            result.items.append(item)
        else:
            ground = table[exemption["ground"]]
            result.withheld.append(
                Withheld(
                    item,
                    exemption["ground"],
                    ground.citation,
                    ground.text_nl,
                    exemption.get("note", ""),
                )
            )
    audit_log.append(
        session,
        "subject_access.report",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="subject_access_request",
        object_ref=row.id,
        detail={
            "items": len(result.items),
            "withheld": len(result.withheld),
            "output": output,
        },
    )
    return result


#: AVG art. 12 lid 3: the month can be extended by at most two further months.
MAX_EXTENSION_MONTHS = 2


def extend(
    session: Session,
    actor: Actor,
    request_id: int,
    reason: str,
    months: int = MAX_EXTENSION_MONTHS,
) -> SubjectAccessRequest:
    """Extend once by one or two months (AVG art. 12 lid 3), with a reason.

    Only within the first month: the data subject must be told of the extension and
    its reason before the original deadline.
    """
    row = _own_request(session, actor, request_id)
    if row.extended_to is not None:
        raise InvalidInput("Dit verzoek is al eens verlengd; verlengen kan één keer.")
    if row.status == HANDLED:
        raise InvalidInput("Dit verzoek is al afgehandeld.")
    if months not in range(1, MAX_EXTENSION_MONTHS + 1):
        raise InvalidInput("verlenging: kies één of twee maanden.")
    if not reason.strip():
        raise InvalidInput("reden: geef aan waarom verlenging nodig is.")
    if utcnow().date().isoformat() > row.deadline:
        raise InvalidInput(
            "De termijn van een maand is al verstreken: verlengen moest binnen die "
            "maand, met bericht aan de betrokkene (AVG art. 12 lid 3)."
        )
    row.extended_to = add_months(
        dt.date.fromisoformat(row.deadline), months
    ).isoformat()
    row.extension_reason = reason.strip()[:2000]
    row.status = EXTENDED
    audit_log.append(
        session,
        "subject_access.extend",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="subject_access_request",
        object_ref=row.id,
        detail={"deadline": row.extended_to, "months": months},
    )
    return row


def add_exemption(
    session: Session,
    actor: Actor,
    request_id: int,
    item: str,
    ground: str,
    note: str,
    keys: KeyMaterial,
) -> SubjectAccessRequest:
    """Withhold one report item on a cited ground; recorded and audited."""
    row = _own_request(session, actor, request_id)
    if ground not in grounds().exemptions:
        raise InvalidInput(f"grond: kies uit {', '.join(grounds().exemptions)}.")
    query = SubjectQuery(**keys.keyring.decrypt_json(row.subject_enc, SUBJECT_CONTEXT))
    keys_in_report = {
        i.key
        for i in _items(session, find_signals(session, query, keys), keys, actor.org_id)
    }
    if item not in keys_in_report:
        raise InvalidInput("onderdeel: dit onderdeel staat niet in het rapport.")
    kept = [e for e in row.exemptions or [] if e["item"] != item]
    row.exemptions = [
        *kept,
        {
            "item": item,
            "ground": ground,
            "note": note.strip()[:2000],
            "user_id": actor.user_id,
            "at": utcnow().isoformat(timespec="seconds"),
        },
    ]
    audit_log.append(
        session,
        "subject_access.exemption",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="subject_access_request",
        object_ref=row.id,
        detail={"item": item, "ground": ground},
    )
    return row


def mark_handled(
    session: Session, actor: Actor, request_id: int
) -> SubjectAccessRequest:
    row = _own_request(session, actor, request_id)
    if row.status == HANDLED:
        raise InvalidInput("Dit verzoek is al afgehandeld.")
    row.status = HANDLED
    row.handled_at = utcnow()
    row.handled_by_user_id = actor.user_id
    audit_log.append(
        session,
        "subject_access.handled",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="subject_access_request",
        object_ref=row.id,
        detail={"late": is_overdue(row, row.handled_at.date())},
    )
    return row


# ------------------------------------------------------------------ erasure


def erase_signal(session: Session, row: Signal, keys: KeyMaterial) -> dict[str, int]:
    """Remove the personal data of one signal everywhere; keep a tombstone.

    The content becomes an empty encrypted form; tokens, person encodings and match
    alerts (both sides) are deleted; the gate tombstones every share made from it;
    excerpts of the screening hit it came from are cleared; pending rectifications
    of it lapse and lose their corrected value. Vocabulary columns
    (forms, indicators, date, municipality, region) stay for statistics.
    """
    with elevated(session):
        tokens = session.execute(
            delete(SignalToken).where(SignalToken.signal_id == row.id)
        )
        encodings = session.execute(
            delete(PersonEncoding).where(PersonEncoding.signal_id == row.id)
        )
        alerts = session.execute(
            delete(MatchAlert).where(
                or_(
                    MatchAlert.signal_id == row.id, MatchAlert.other_signal_id == row.id
                )
            )
        )
        shares = list(session.scalars(select(Share).where(Share.signal_id == row.id)))
        erased_shares = gate.erase_shares(session, shares, keys)
        for hit in session.scalars(
            select(ScreeningHit).where(ScreeningHit.signal_id == row.id)
        ):
            hit.excerpts = []
            hit.record_ref = ""
            hit.reason_text = ""
        for pending in session.scalars(
            select(RectificationRequest).where(RectificationRequest.signal_id == row.id)
        ):
            # a corrected value or a refusal note may name the person
            pending.value_enc = None
            pending.refusal_enc = None
            if pending.status == REQUESTED:
                pending.status = LAPSED
                pending.decided_at = utcnow()
        row.content_enc = keys.keyring.encrypt_json(
            SignalInput().model_dump(mode="json"), signal_service.CONTENT_CONTEXT
        )
        row.status = ERASED
        row.erased_at = utcnow()
        row.updated_at = utcnow()
        session.flush()
    return {
        "tokens": int(getattr(tokens, "rowcount", 0) or 0),
        "person_encodings": int(getattr(encodings, "rowcount", 0) or 0),
        "match_alerts": int(getattr(alerts, "rowcount", 0) or 0),
        "shares": erased_shares,
    }


def hold_of(session: Session, row: Signal) -> str | None:
    """The legal hold on a signal: its own flag, or a share picked up for an
    investigation (read elevated: the recipient's follow-up)."""
    if row.hold_ground:
        return row.hold_ground
    with elevated(session):
        investigating = session.scalars(
            select(Share.id).where(
                Share.signal_id == row.id, Share.status == INVESTIGATION_STATUS
            )
        ).first()
    return "lopend_onderzoek" if investigating is not None else None


def _own_signal(session: Session, actor: Actor, signal_id: int) -> Signal:
    row = session.scalars(select(Signal).where(Signal.id == signal_id)).first()
    if row is None or row.org_id != actor.org_id:
        raise NotFound("Dit signaal bestaat niet of is niet van uw organisatie.")
    return row


def request_erasure(
    session: Session, actor: Actor, signal_id: int, reason: str
) -> ErasureRequest:
    """Step one: a privacy officer of the controlling organisation asks."""
    require_privacy_officer(actor)
    if reason not in grounds().erasure_reasons:
        raise InvalidInput(f"reden: kies uit {', '.join(grounds().erasure_reasons)}.")
    row = _own_signal(session, actor, signal_id)
    if row.erased_at is not None:
        raise InvalidInput("Dit signaal is al gewist.")
    pending = session.scalars(
        select(ErasureRequest).where(
            ErasureRequest.signal_id == row.id, ErasureRequest.status == REQUESTED
        )
    ).first()
    if pending is not None:
        raise InvalidInput(f"Er loopt al een verwijderverzoek ({pending.id}).")
    request = ErasureRequest(
        org_id=actor.org_id,
        signal_id=row.id,
        requested_by_user_id=actor.user_id,
        reason=reason,
        status=REQUESTED,
        deadline=add_months(utcnow().date(), 1).isoformat(),
    )
    session.add(request)
    session.flush()
    audit_log.append(
        session,
        "erasure.request",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="signal",
        object_ref=row.id,
        detail={"erasure_request_id": request.id, "reason": reason},
    )
    return request


_Request = TypeVar("_Request", ErasureRequest, RectificationRequest)


def undecided_request(
    session: Session,
    actor: Actor,
    model: type[_Request],
    request_id: int,
    noun: str,
) -> _Request:
    """The own organisation's request still awaiting a decision, for its privacy
    officer; ``noun`` names the kind in the messages (``verwijderverzoek``)."""
    require_privacy_officer(actor)
    row = session.scalars(select(model).where(model.id == request_id)).first()
    if row is None or row.org_id != actor.org_id:
        raise NotFound(f"Dit {noun} bestaat niet of is niet van uw organisatie.")
    if row.status != REQUESTED:
        raise InvalidInput(f"Over dit {noun} is al besloten.")
    return row


def approve_erasure(
    session: Session, actor: Actor, erasure_id: int, keys: KeyMaterial
) -> ErasureRequest:
    """Step two: a privacy officer of the same organisation approves; the erasure
    runs at once unless a legal hold applies, in which case the request is refused
    with the hold's ground (recorded, not raised, so the refusal is kept)."""
    request = undecided_request(
        session, actor, ErasureRequest, erasure_id, "verwijderverzoek"
    )
    row = _own_signal(session, actor, request.signal_id)
    request.decided_by_user_id = actor.user_id
    request.decided_at = utcnow()
    hold = hold_of(session, row)
    if hold is not None:
        request.status = REFUSED
        request.refusal_ground = hold
        audit_log.append(
            session,
            "erasure.refused",
            actor_user_id=actor.user_id,
            org_id=actor.org_id,
            object_type="signal",
            object_ref=row.id,
            detail={
                "erasure_request_id": request.id,
                "ground": hold,
                "citation": grounds().holds[hold].citation,
            },
        )
        return request
    counts = erase_signal(session, row, keys)
    request.status = EXECUTED
    audit_log.append(
        session,
        "erasure.executed",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="signal",
        object_ref=row.id,
        detail={
            "erasure_request_id": request.id,
            "reason": request.reason,
            "same_person": request.requested_by_user_id == actor.user_id,
            **counts,
        },
    )
    return request


def list_erasures(session: Session, actor: Actor) -> list[ErasureRequest]:
    require_privacy_officer(actor)
    return list(
        session.scalars(
            select(ErasureRequest)
            .where(ErasureRequest.org_id == actor.org_id)
            .order_by(ErasureRequest.id.desc())
        )
    )


def set_hold(
    session: Session, actor: Actor, signal_id: int, ground: str | None
) -> Signal:
    """Place (ground id) or lift (``None``) a legal hold on an own signal."""
    require_privacy_officer(actor)
    if ground is not None and ground not in grounds().holds:
        raise InvalidInput(f"grond: kies uit {', '.join(grounds().holds)}.")
    row = _own_signal(session, actor, signal_id)
    row.hold_ground = ground
    audit_log.append(
        session,
        "signal.hold" if ground else "signal.hold_lifted",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="signal",
        object_ref=row.id,
        detail={"ground": ground},
    )
    return row


# ------------------------------------------------------------------ key rotation


def rotate_encrypted(session: Session, keys: KeyMaterial) -> int:
    """Re-encrypt the requests' encrypted values under the current key (called by
    ``schakel keys rotate``): access requests' identifying details, and the pending
    value or the refusal reason of rectification requests."""
    count = 0
    ring = keys.keyring
    for access in session.scalars(select(SubjectAccessRequest)):
        if ring.needs_rotation(access.subject_enc):
            access.subject_enc = ring.rotate(access.subject_enc, SUBJECT_CONTEXT)
            count += 1
    for correction in session.scalars(select(RectificationRequest)):
        for column in ("value_enc", "refusal_enc"):
            stored = getattr(correction, column)
            if stored and ring.needs_rotation(stored):
                setattr(correction, column, ring.rotate(stored, RECTIFICATION_CONTEXT))
                count += 1
    session.flush()
    return count


# ------------------------------------------------------------------ deadlines


@dataclass(frozen=True)
class Due:
    """An open request of the organisation and its deadline (AVG art. 12 lid 3)."""

    kind: str  # inzage | wissen | rectificatie
    id: int
    deadline: str
    overdue: bool
    href: str


def due(session: Session, actor: Actor, today: dt.date | None = None) -> list[Due]:
    """Every open rights request of the actor's organisation, soonest deadline first
    (overdue ones first of all)."""
    require_privacy_officer(actor)
    day = (today or utcnow().date()).isoformat()
    out: list[Due] = []
    for access in session.scalars(
        select(SubjectAccessRequest).where(
            SubjectAccessRequest.org_id == actor.org_id,
            SubjectAccessRequest.status != HANDLED,
        )
    ):
        deadline = effective_deadline(access)
        out.append(
            Due(
                "inzage",
                access.id,
                deadline,
                day > deadline,
                f"/inzageverzoeken/{access.id}",
            )
        )
    for erasure in session.scalars(
        select(ErasureRequest).where(
            ErasureRequest.org_id == actor.org_id, ErasureRequest.status == REQUESTED
        )
    ):
        deadline = erasure.deadline or ""
        out.append(
            Due(
                "wissen",
                erasure.id,
                deadline,
                bool(deadline) and day > deadline,
                "/verwijderverzoeken",
            )
        )
    for correction in session.scalars(
        select(RectificationRequest).where(
            RectificationRequest.org_id == actor.org_id,
            RectificationRequest.status == REQUESTED,
        )
    ):
        out.append(
            Due(
                "rectificatie",
                correction.id,
                correction.deadline,
                day > correction.deadline,
                "/rectificatieverzoeken",
            )
        )
    return sorted(out, key=lambda d: (not d.overdue, d.deadline or "9999", d.id))
