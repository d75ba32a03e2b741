"""Signal intake: drafts, submission, reading, consent, and the reporter's follow-up.

Identifying content is encrypted before it reaches the database and turned into
keyed match tokens at intake; the clear columns hold vocabulary values only.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from schakel.clock import utcnow
from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.linkage import token
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.signals import SignalInput
from schakel.store import audit_log
from schakel.store.models import Organisation, Share, Signal, SignalToken
from schakel.vocabulary import Consent

CONTENT_CONTEXT = "signals.content"
DRAFT, SUBMITTED = "draft", "submitted"


@dataclass(frozen=True)
class SignalView:
    """A signal as its own organisation sees it (decrypted)."""

    row: Signal
    content: SignalInput
    shares: list[Share]


def _tokens_for(content: SignalInput, secret: bytes) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for kind, values in (
        ("phone", content.phones),
        ("email", content.emails),
        ("iban", content.ibans),
        ("plate", content.plates),
    ):
        pairs += [(kind, token(kind, v, secret)) for v in values]
    for person in content.persons:
        if person.bsn:
            pairs.append(("bsn", token("bsn", person.bsn, secret)))
    for account in content.accounts:
        handle = f"{account.platform.strip().lower()}:{account.handle.strip().lower()}"
        pairs.append(("account", token("text", handle, secret)))
    return pairs


def signal_columns(content: SignalInput, keys: KeyMaterial) -> dict[str, Any]:
    """The encrypted content and the clear vocabulary columns of one signal."""
    return {
        "content_enc": keys.keyring.encrypt_json(
            content.model_dump(mode="json"), CONTENT_CONTEXT
        ),
        "source": content.source.value,
        "observed_on": content.observed_on,
        "municipality": content.municipality,
        "forms": [f.value for f in content.forms],
        "indicators": list(content.indicators),
        "urgency": content.urgency.value,
        "consent_status": content.consent.status.value,
        "consent_recipient": (
            content.consent.recipient.value if content.consent.recipient else None
        ),
        "consent_purpose": (
            content.consent.purpose.value if content.consent.purpose else None
        ),
        "updated_at": utcnow(),
    }


def _fill(row: Signal, content: SignalInput, keys: KeyMaterial) -> None:
    for name, value in signal_columns(content, keys).items():
        setattr(row, name, value)


def token_rows(
    org_id: int, signal_id: int, content: SignalInput, keys: KeyMaterial
) -> list[dict[str, Any]]:
    """The keyed match tokens of one signal as rows for a bulk insert."""
    return [
        {"org_id": org_id, "signal_id": signal_id, "kind": kind, "token": value}
        for kind, value in _tokens_for(content, keys.linkage_secret)
    ]


def replace_content(
    session: Session, row: Signal, content: SignalInput, keys: KeyMaterial
) -> None:
    """Rewrite a submitted signal's content: re-encrypt it, recompute its tokens.

    For an approved rectification only (:mod:`schakel.services.rectification`),
    which also recomputes the person encodings and corrects the shares.
    """
    _fill(row, content, keys)
    session.flush()
    _replace_tokens(session, row, content, keys)


def _replace_tokens(
    session: Session,
    row: Signal,
    content: SignalInput,
    keys: KeyMaterial,
    *,
    new: bool = False,
) -> None:
    """Store the signal's tokens; an existing signal's old tokens go first (a new
    one has none, which saves the intake a query)."""
    if not new:
        session.execute(
            delete(SignalToken)
            .where(SignalToken.signal_id == row.id)
            .execution_options(synchronize_session=False)
        )
    tokens = token_rows(row.org_id, row.id, content, keys)
    if tokens:
        session.execute(insert(SignalToken), tokens)


def check_complete(content: SignalInput) -> None:
    problems = []
    if not content.forms and not content.indicators:
        problems.append("uitbuitingsvorm of indicatoren: kies minstens één")
    if not content.description and not content.indicators:
        problems.append("omschrijving: beschrijf wat u zag")
    if problems:
        raise InvalidInput("; ".join(problems))


def save(
    session: Session,
    actor: Actor,
    content: SignalInput,
    keys: KeyMaterial,
    *,
    submit: bool,
    signal_id: int | None = None,
) -> Signal:
    """Create or update a signal; ``submit`` checks completeness, a draft does not.

    A submitted signal gets its tokens and person encodings now and a job in the
    matching queue (:mod:`schakel.services.match_queue`) in the same transaction;
    hit/no-hit alerts follow when the queue has processed it.
    """
    if submit:
        check_complete(content)
    if signal_id is None:
        region = session.get(Organisation, actor.org_id)
        row = Signal(
            org_id=actor.org_id,
            reporter_user_id=actor.user_id,
            status=DRAFT,
            region=region.region if region else actor.region,
        )
        session.add(row)
        action = "signal.create"
    else:
        row = _own(session, signal_id)
        if row.status != DRAFT:
            raise InvalidInput("Een ingediend signaal kan niet meer worden gewijzigd.")
        action = "signal.update"
    _fill(row, content, keys)
    if submit:
        row.status = SUBMITTED
        row.submitted_at = utcnow()
    session.flush()
    _replace_tokens(session, row, content, keys, new=action == "signal.create")
    if submit:
        from schakel.services import match_queue, matching

        matching.index_signal(session, row, content, keys)
        match_queue.enqueue(session, row)
    audit_log.append(
        session,
        action,
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="signal",
        object_ref=row.id,
        detail={"status": row.status},
    )
    return row


def _own(session: Session, signal_id: int) -> Signal:
    row = session.scalars(select(Signal).where(Signal.id == signal_id)).first()
    if row is None:
        raise NotFound("Dit signaal bestaat niet of is niet van uw organisatie.")
    return row


def decrypt(row: Signal, keys: KeyMaterial) -> SignalInput:
    return SignalInput.model_validate(
        keys.keyring.decrypt_json(row.content_enc, CONTENT_CONTEXT)
    )


def get(
    session: Session, actor: Actor, signal_id: int, keys: KeyMaterial
) -> SignalView:
    """The reporter's own signal with the status of every share made from it."""
    row = _own(session, signal_id)
    if row.org_id != actor.org_id:
        raise NotFound("Dit signaal bestaat niet of is niet van uw organisatie.")
    shares = list(
        session.scalars(
            select(Share)
            .where(Share.signal_id == row.id, Share.sender_org_id == actor.org_id)
            .order_by(Share.created_at)
        )
    )
    audit_log.append(
        session,
        "signal.view",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="signal",
        object_ref=row.id,
    )
    return SignalView(row, decrypt(row, keys), shares)


def list_own(session: Session, actor: Actor, limit: int = 200) -> list[Signal]:
    query = select(Signal).where(Signal.org_id == actor.org_id)
    return list(
        session.scalars(
            query.order_by(Signal.created_at.desc(), Signal.id.desc()).limit(limit)
        )
    )


def revoke_consent(session: Session, actor: Actor, signal_id: int) -> int:
    """Revoke consent: no new share on it; recipients of consent-based shares are told.

    Returns the number of recipients notified.
    """
    row = _own(session, signal_id)
    if row.consent_status != Consent.GIVEN.value or row.consent_revoked_at is not None:
        raise InvalidInput("Er is geen geldige toestemming om in te trekken.")
    row.consent_revoked_at = utcnow()
    from schakel.services import gate

    notified = gate.mark_consent_revoked(session, actor, row)
    audit_log.append(
        session,
        "signal.consent_revoked",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="signal",
        object_ref=row.id,
        detail={"recipients_notified": notified},
    )
    return notified


def consent_valid_for(row: Signal, recipient: str, purpose: str) -> bool:
    """Consent counts only for the recipient type and purpose it was given for."""
    return (
        row.consent_status == Consent.GIVEN.value
        and row.consent_revoked_at is None
        and row.consent_recipient == recipient
        and row.consent_purpose == purpose
    )


def minor_victim(content: SignalInput, day: dt.date | None = None) -> bool | None:
    return content.has_victim_minor(day or dt.date.today())


def require_reporter(actor: Actor, row: Signal) -> None:
    if row.org_id != actor.org_id:
        raise NotPermitted("Alleen de melder kan dit signaal doorzetten.")


def summary(content: SignalInput) -> dict[str, Any]:
    """Counts of what a signal holds, for lists (no identifiers)."""
    return {
        "persons": len(content.persons),
        "phones": len(content.phones),
        "accounts": len(content.accounts),
    }
