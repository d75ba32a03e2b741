"""Rectification (AVG art. 16): correcting one field of a signal, and every share
made from it, after approval by the controlling organisation's privacy officer.

A privacy officer of the organisation that made the signal asks for the correction
of one field (a person's name, date of birth or BSN, a phone number, an account, the
description ...) with a reason; a privacy officer of the same organisation approves
or refuses it with a reason. Approval rewrites the signal's encrypted content,
recomputes its keyed tokens and person encodings (so hit/no-hit and subject access
find the corrected person, not the old one), recomputes its match alerts when the
identifiers changed, and has the gate correct every share made from it and tell the
recipient (AVG art. 19). The corrected value is kept encrypted only while the
request is pending; the old value is never stored; audit entries hold ids, the field
path and counts, never a value.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from schakel.clock import utcnow
from schakel.errors import InvalidInput, NotFound
from schakel.services import gate, matching
from schakel.services import signals as signal_service
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.services.rights import (
    EXECUTED,
    RECTIFICATION_CONTEXT,
    REFUSED,
    REQUESTED,
    add_months,
    grounds,
    require_privacy_officer,
    undecided_request,
)
from schakel.signals import SignalInput
from schakel.store import audit_log
from schakel.store.models import (
    CaseConference,
    CaseContribution,
    MatchAlert,
    Organisation,
    PersonEncoding,
    RectificationRequest,
    ScreeningHit,
    Share,
    Signal,
    SignalToken,
)
from schakel.store.tenancy import elevated

VALUE_CONTEXT = RECTIFICATION_CONTEXT

PERSON_FIELDS = {
    "given_name": "voornaam",
    "surname": "achternaam",
    "date_of_birth": "geboortedatum",
    "gender": "geslacht",
    "bsn": "BSN",
}
LIST_FIELDS = {
    "phones": "Telefoonnummer",
    "emails": "E-mailadres",
    "ibans": "IBAN",
    "plates": "Kenteken",
    "addresses": "Adres",
}
ACCOUNT_FIELDS = {"platform": "platform", "handle": "account"}
TEXT_FIELDS = {"description": "Omschrijving"}


# ------------------------------------------------------------------ fields (pure)


@dataclass(frozen=True)
class FieldValue:
    """One correctable field of a signal: its path, Dutch label and current value."""

    path: str
    label: str
    value: str


def field_label(path: str) -> str:
    """Dutch label of a field path.

    >>> field_label("persons.0.surname")
    'Persoon 1: achternaam'
    >>> field_label("phones.1")
    'Telefoonnummer 2'
    """
    parts = path.split(".")
    try:
        if len(parts) == 1:
            return TEXT_FIELDS[parts[0]]
        number = int(parts[1]) + 1
        if len(parts) == 2:
            return f"{LIST_FIELDS[parts[0]]} {number}"
        if parts[0] == "persons":
            return f"Persoon {number}: {PERSON_FIELDS[parts[2]]}"
        return f"Account {number}: {ACCOUNT_FIELDS[parts[2]]}"
    except (KeyError, ValueError, IndexError):
        return path


def fields_of(content: SignalInput) -> list[FieldValue]:
    """Every field a rectification can change, with its current value.

    A person's empty fields are listed too (completing is also rectification);
    roles, forms and indicators are not: they decide routing, not who someone is.
    """
    out: list[FieldValue] = []
    for index, person in enumerate(content.persons):
        for name in PERSON_FIELDS:
            path = f"persons.{index}.{name}"
            out.append(FieldValue(path, field_label(path), getattr(person, name) or ""))
    for name in LIST_FIELDS:
        for index, value in enumerate(getattr(content, name)):
            path = f"{name}.{index}"
            out.append(FieldValue(path, field_label(path), value))
    for index, account in enumerate(content.accounts):
        for name in ACCOUNT_FIELDS:
            path = f"accounts.{index}.{name}"
            out.append(FieldValue(path, field_label(path), getattr(account, name)))
    for name in TEXT_FIELDS:
        out.append(FieldValue(name, field_label(name), getattr(content, name)))
    return out


def _index(items: list[Any], text: str) -> int:
    if not text.isdigit() or int(text) >= len(items):
        raise InvalidInput("veld: dit veld bestaat niet in het signaal.")
    return int(text)


def apply(content: SignalInput, path: str, value: str) -> SignalInput:
    """The content with ``path`` set to ``value`` (validated and normalised like the
    intake form). An empty value clears a person's field or removes a list item."""
    data = content.model_dump(mode="json")
    value = value.strip()
    parts = path.split(".")
    if len(parts) == 1 and parts[0] in TEXT_FIELDS:
        data[parts[0]] = value
    elif len(parts) == 2 and parts[0] in LIST_FIELDS:
        items = data[parts[0]]
        index = _index(items, parts[1])
        if value:
            items[index] = value
        else:
            del items[index]
    elif len(parts) == 3 and parts[0] == "persons" and parts[2] in PERSON_FIELDS:
        data["persons"][_index(data["persons"], parts[1])][parts[2]] = value or None
    elif len(parts) == 3 and parts[0] == "accounts" and parts[2] in ACCOUNT_FIELDS:
        if not value:
            raise InvalidInput(
                "nieuwe waarde: een account heeft een platform en een naam nodig."
            )
        data["accounts"][_index(data["accounts"], parts[1])][parts[2]] = value
    else:
        raise InvalidInput("veld: dit veld bestaat niet in het signaal.")
    try:
        corrected = SignalInput.model_validate(data)
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise InvalidInput(f"nieuwe waarde: {message}") from None
    if corrected == content:
        raise InvalidInput("nieuwe waarde: gelijk aan de huidige waarde.")
    return corrected


def _old_value(content: SignalInput, path: str) -> str:
    return next((f.value for f in fields_of(content) if f.path == path), "")


# ------------------------------------------------------------------ requests


def _own_signal(session: Session, actor: Actor, signal_id: int) -> Signal:
    row = session.scalars(select(Signal).where(Signal.id == signal_id)).first()
    if row is None or row.org_id != actor.org_id:
        raise NotFound("Dit signaal bestaat niet of is niet van uw organisatie.")
    if row.erased_at is not None:
        raise InvalidInput("Dit signaal is gewist; er valt niets te corrigeren.")
    if row.status != signal_service.SUBMITTED:
        raise InvalidInput("Een concept past de melder zelf aan; dien het eerst in.")
    return row


def fields_for(
    session: Session, actor: Actor, signal_id: int, keys: KeyMaterial
) -> list[FieldValue]:
    """The correctable fields of an own signal (read as a signal view, audited)."""
    require_privacy_officer(actor)
    _own_signal(session, actor, signal_id)
    return fields_of(signal_service.get(session, actor, signal_id, keys).content)


def request_rectification(
    session: Session,
    actor: Actor,
    signal_id: int,
    path: str,
    value: str,
    reason: str,
    keys: KeyMaterial,
) -> RectificationRequest:
    """Step one: a privacy officer of the controlling organisation asks; the value
    is validated now, so nothing unusable waits for approval."""
    require_privacy_officer(actor)
    if reason not in grounds().rectification_reasons:
        raise InvalidInput(
            f"reden: kies uit {', '.join(grounds().rectification_reasons)}."
        )
    row = _own_signal(session, actor, signal_id)
    pending = session.scalars(
        select(RectificationRequest).where(
            RectificationRequest.signal_id == row.id,
            RectificationRequest.status == REQUESTED,
        )
    ).first()
    if pending is not None:
        raise InvalidInput(
            f"Er loopt al een rectificatieverzoek voor dit signaal ({pending.id}); "
            "besluit daar eerst over."
        )
    apply(signal_service.decrypt(row, keys), path, value[:10_000])
    request = RectificationRequest(
        org_id=actor.org_id,
        signal_id=row.id,
        field=path,
        reason=reason,
        value_enc=keys.keyring.encrypt_json({"value": value[:10_000]}, VALUE_CONTEXT),
        status=REQUESTED,
        requested_by_user_id=actor.user_id,
        deadline=add_months(utcnow().date(), 1).isoformat(),
        outcome={},
    )
    session.add(request)
    session.flush()
    audit_log.append(
        session,
        "rectification.request",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="signal",
        object_ref=row.id,
        detail={
            "rectification_request_id": request.id,
            "field": path,
            "reason": reason,
        },
    )
    return request


def _recompute_alerts(session: Session, actor: Actor, row: Signal) -> int:
    """Alerts came from the old identifiers: drop them (both sides), match again."""
    with elevated(session):
        session.execute(
            delete(MatchAlert).where(
                or_(
                    MatchAlert.signal_id == row.id, MatchAlert.other_signal_id == row.id
                )
            )
        )
        session.flush()
    return len(matching.raise_alerts(session, row))


def _clear_excerpts(session: Session, row: Signal, old: str) -> int:
    """Excerpts of the screening hit the signal came from that quote the old value."""
    if len(old) < 3:
        return 0
    cleared = 0
    for hit in session.scalars(
        select(ScreeningHit).where(ScreeningHit.signal_id == row.id)
    ):
        kept = [
            e for e in hit.excerpts or [] if old.lower() not in str(e["text"]).lower()
        ]
        if len(kept) != len(hit.excerpts or []):
            cleared += len(hit.excerpts or []) - len(kept)
            hit.excerpts = kept
    return cleared


def _linked_cases(session: Session, row: Signal) -> list[int]:
    ids = set(
        session.scalars(
            select(CaseConference.id).where(CaseConference.source_signal_id == row.id)
        )
    )
    ids |= set(
        session.scalars(
            select(CaseContribution.case_id).where(CaseContribution.signal_id == row.id)
        )
    )
    return sorted(ids)


def approve_rectification(
    session: Session, actor: Actor, request_id: int, keys: KeyMaterial
) -> RectificationRequest:
    """Step two: a privacy officer of the same organisation approves; the record,
    its tokens and encodings, its alerts and every share made from it are
    corrected in this transaction, and the recipients are told."""
    request = undecided_request(
        session, actor, RectificationRequest, request_id, "rectificatieverzoek"
    )
    row = _own_signal(session, actor, request.signal_id)
    assert request.value_enc is not None
    value = str(keys.keyring.decrypt_json(request.value_enc, VALUE_CONTEXT)["value"])
    before = signal_service.decrypt(row, keys)
    after = apply(before, request.field, value)

    def identifiers() -> tuple[set[str], list[Any]]:
        tokens = set(
            session.scalars(
                select(SignalToken.token).where(SignalToken.signal_id == row.id)
            )
        )
        encodings = list(
            session.scalars(
                select(PersonEncoding.encoding)
                .where(PersonEncoding.signal_id == row.id)
                .order_by(PersonEncoding.id)
            )
        )
        return tokens, encodings

    old_identifiers = identifiers()
    signal_service.replace_content(session, row, after, keys)
    session.execute(delete(PersonEncoding).where(PersonEncoding.signal_id == row.id))
    matching.index_signal(session, row, after, keys)
    tokens_changed = identifiers() != old_identifiers
    alerts = _recompute_alerts(session, actor, row) if tokens_changed else None
    shares = list(
        session.scalars(
            select(Share).where(Share.signal_id == row.id).order_by(Share.id)
        )
    )
    done = gate.rectify_shares(session, actor, shares, before, after, keys)
    excerpts = _clear_excerpts(session, row, _old_value(before, request.field))
    recipients = sorted({s.org_id for s in (*done.corrected, *done.withdrawn)})
    request.status = EXECUTED
    request.value_enc = None
    request.decided_by_user_id = actor.user_id
    request.decided_at = utcnow()
    request.outcome = {
        "shares_corrected": [s.id for s in done.corrected],
        "shares_withdrawn": [s.id for s in done.withdrawn],
        "recipients": recipients,
        "tokens_changed": tokens_changed,
        "alerts": alerts,
        "excerpts_cleared": excerpts,
        "cases": _linked_cases(session, row),
    }
    audit_log.append(
        session,
        "rectification.executed",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="signal",
        object_ref=row.id,
        detail={
            "rectification_request_id": request.id,
            "field": request.field,
            "same_person": request.requested_by_user_id == actor.user_id,
            "shares_corrected": len(done.corrected),
            "shares_withdrawn": len(done.withdrawn),
            "recipients_told": len(recipients),
            "tokens_changed": tokens_changed,
        },
    )
    return request


def refuse_rectification(
    session: Session, actor: Actor, request_id: int, reason: str, keys: KeyMaterial
) -> RectificationRequest:
    """Refuse with a reason (kept encrypted for the data subject's answer)."""
    request = undecided_request(
        session, actor, RectificationRequest, request_id, "rectificatieverzoek"
    )
    if not reason.strip():
        raise InvalidInput("reden: geef aan waarom de correctie wordt geweigerd.")
    request.status = REFUSED
    request.value_enc = None
    request.refusal_enc = keys.keyring.encrypt_json(
        {"reason": reason.strip()[:2000]}, VALUE_CONTEXT
    )
    request.decided_by_user_id = actor.user_id
    request.decided_at = utcnow()
    audit_log.append(
        session,
        "rectification.refused",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="signal",
        object_ref=request.signal_id,
        detail={"rectification_request_id": request.id, "field": request.field},
    )
    return request


# ------------------------------------------------------------------ overview


@dataclass(frozen=True)
class RectificationView:
    row: RectificationRequest
    field_label: str
    reason_citation: str
    refusal: str
    recipients: list[str]
    overdue: bool


def list_rectifications(
    session: Session, actor: Actor, keys: KeyMaterial, today: dt.date | None = None
) -> list[RectificationView]:
    """The organisation's requests, newest first, with whom each correction told."""
    require_privacy_officer(actor)
    day = (today or utcnow().date()).isoformat()
    reasons = grounds().rectification_reasons
    names = {o.id: o.name for o in session.scalars(select(Organisation))}
    views = []
    for row in session.scalars(
        select(RectificationRequest)
        .where(RectificationRequest.org_id == actor.org_id)
        .order_by(RectificationRequest.id.desc())
    ):
        refusal = (
            str(keys.keyring.decrypt_json(row.refusal_enc, VALUE_CONTEXT)["reason"])
            if row.refusal_enc
            else ""
        )
        views.append(
            RectificationView(
                row,
                field_label(row.field),
                reasons[row.reason].citation if row.reason in reasons else row.reason,
                refusal,
                [names.get(o, "?") for o in (row.outcome or {}).get("recipients", [])],
                row.status == REQUESTED and day > row.deadline,
            )
        )
    return views
