"""The share gate: the one function through which personal data leaves an organisation.

Every delivery asks the share check, writes its audit entry and only then stores the
share, all in the caller's single transaction; the recipient receives exactly the
part of the signal the decision covers. ``tests/services/test_gate.py`` proves that
no other module writes the share table.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from schakel.clock import utcnow
from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.rules import Answer, Decision, Question, check, load_ruleset
from schakel.services import signals as signal_service
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.signals import SignalInput, categories_of, minimise, subject_of
from schakel.signals._minimise import SPECIAL
from schakel.store import audit_log
from schakel.store.guards import gate_writing
from schakel.store.models import (
    CaseConference,
    CaseContribution,
    CaseContributionGrant,
    Organisation,
    Share,
    Signal,
)
from schakel.vocabulary import Consent, Covenant, DataCategory, OrgType, Purpose

PAYLOAD_CONTEXT = "shares.payload"
ALLOWING = (Decision.ALLOWED, Decision.ALLOWED_WITH_CONDITIONS)
#: Follow-up statuses a recipient can set (the reporter sees them).
STATUSES = {
    "ontvangen": "ontvangen",
    "in_behandeling": "in behandeling",
    "opgepakt_onderzoek": "opgepakt: onderzoek",
    "opgepakt_zorgtraject": "opgepakt: zorgtraject",
    "opgepakt_bestuurlijk": "opgepakt: bestuurlijke maatregel",
    "geen_actie": "geen actie",
}


@dataclass(frozen=True)
class RouteRequest:
    signal_id: int
    recipient_org_id: int
    purpose: Purpose
    professional_secrecy: bool | None = None
    serious_danger: bool | None = None
    covenant: Covenant | None = None
    anonymised: bool = False


@dataclass(frozen=True)
class RoutePlan:
    """What the gate would do: the answer and exactly which categories would travel."""

    question: Question
    answer: Answer
    categories: tuple[DataCategory, ...]
    held: tuple[DataCategory, ...]
    recipient: Organisation
    consent_based: bool

    @property
    def allowed(self) -> bool:
        return self.answer.decision in ALLOWING

    @property
    def withheld(self) -> tuple[DataCategory, ...]:
        return tuple(c for c in self.held if c not in self.categories)


def _consent_fact(row: Signal, recipient: str, purpose: str) -> Consent:
    if signal_service.consent_valid_for(row, recipient, purpose):
        return Consent.GIVEN
    if row.consent_status == Consent.REFUSED.value:
        return Consent.REFUSED
    return Consent.NOT_ASKED


def plan(
    session: Session, actor: Actor, request: RouteRequest, keys: KeyMaterial
) -> RoutePlan:
    """Fill the share-check question from the signal; find the largest allowed part."""
    row = session.scalars(select(Signal).where(Signal.id == request.signal_id)).first()
    if row is None or row.org_id != actor.org_id:
        raise NotFound("Dit signaal bestaat niet of is niet van uw organisatie.")
    if row.status != signal_service.SUBMITTED:
        raise InvalidInput(
            "Dien het signaal eerst in; een concept kan niet worden doorgezet."
        )
    recipient = session.get(Organisation, request.recipient_org_id)
    if recipient is None:
        raise InvalidInput("ontvanger: deze organisatie bestaat niet.")
    if recipient.id == actor.org_id:
        raise InvalidInput("ontvanger: kies een andere organisatie dan uw eigen.")
    content = signal_service.decrypt(row, keys)
    held = categories_of(content, actor.org_type)
    consent = _consent_fact(row, recipient.org_type, request.purpose.value)
    base = {
        "sender": actor.org_type.value,
        "recipient": recipient.org_type,
        "purpose": request.purpose.value,
        "subject": subject_of(content).value,
        "subject_minor": signal_service.minor_victim(content),
        "consent": consent.value,
        "professional_secrecy": request.professional_secrecy,
        "serious_danger": request.serious_danger,
        "covenant": request.covenant.value if request.covenant else None,
        "anonymised": request.anonymised,
    }
    ordered = tuple(c for c in DataCategory if c in held)
    question = Question.model_validate({**base, "data": [c.value for c in ordered]})
    answer = check(question)
    categories = ordered
    reduced = tuple(
        c for c in ordered if c not in SPECIAL and c is not DataCategory.BSN
    )
    if (
        answer.decision is Decision.NOT_ALLOWED
        and not request.anonymised
        and reduced
        and reduced != ordered
    ):
        smaller = Question.model_validate({**base, "data": [c.value for c in reduced]})
        smaller_answer = check(smaller)
        if smaller_answer.decision in ALLOWING:
            question, answer, categories = smaller, smaller_answer, reduced
    return RoutePlan(
        question, answer, categories, ordered, recipient, consent is Consent.GIVEN
    )


def deliver(
    session: Session, actor: Actor, request: RouteRequest, keys: KeyMaterial
) -> Share:
    """Create the share if, and only if, the share check allows it (audited)."""
    route = plan(session, actor, request, keys)
    if not route.allowed:
        audit_log.append(
            session,
            "share.refused",
            actor_user_id=actor.user_id,
            org_id=actor.org_id,
            object_type="signal",
            object_ref=request.signal_id,
            ruleset_version=route.answer.ruleset_version,
            detail={
                "decision": route.answer.decision.value,
                "recipient_org_id": route.recipient.id,
            },
        )
        raise NotPermitted(route.answer.explanation_nl)
    row = session.get(Signal, request.signal_id)
    assert row is not None
    content = signal_service.decrypt(row, keys)
    payload = minimise(
        content, actor.org_type, set(route.categories), anonymised=request.anonymised
    )
    with gate_writing():
        share = _create_share(session, actor, route, request, row.id, payload, keys)
    audit_log.append(
        session,
        "share.create",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="share",
        object_ref=share.id,
        ruleset_version=route.answer.ruleset_version,
        detail={
            "decision": share.decision,
            "categories": share.categories,
            "recipient_org_id": share.org_id,
            "purpose": share.purpose,
            "anonymised": share.anonymised,
            "signal_id": row.id,
        },
    )
    return share


def _create_share(
    session: Session,
    actor: Actor,
    route: RoutePlan,
    request: RouteRequest,
    signal_id: int,
    payload: dict[str, object],
    keys: KeyMaterial,
) -> Share:
    share = Share(
        org_id=route.recipient.id,
        sender_org_id=actor.org_id,
        signal_id=signal_id,
        sender_user_id=actor.user_id,
        purpose=request.purpose.value,
        decision=route.answer.decision.value,
        ruleset_version=route.answer.ruleset_version,
        answer=route.answer.model_dump(mode="json"),
        categories=[c.value for c in route.categories],
        anonymised=request.anonymised,
        consent_based=route.consent_based,
        consent_revoked=False,
        payload_enc=keys.keyring.encrypt_json(payload, PAYLOAD_CONTEXT),
        status="ontvangen",
        status_reason="",
    )
    session.add(share)
    session.flush()
    return share


def _received(session: Session, actor: Actor, share_id: int) -> Share:
    share = session.scalars(select(Share).where(Share.id == share_id)).first()
    if share is None or share.org_id != actor.org_id:
        raise NotFound(
            "Deze melding bestaat niet of is niet aan uw organisatie gedeeld."
        )
    return share


def inbox(session: Session, actor: Actor) -> list[Share]:
    query = select(Share).where(Share.org_id == actor.org_id)
    return list(
        session.scalars(query.order_by(Share.created_at.desc(), Share.id.desc()))
    )


def open_share(
    session: Session, actor: Actor, share_id: int, keys: KeyMaterial
) -> tuple[Share, dict[str, object]]:
    """The recipient reads what was delivered (audited as a view)."""
    share = _received(session, actor, share_id)
    payload = keys.keyring.decrypt_json(share.payload_enc, PAYLOAD_CONTEXT)
    audit_log.append(
        session,
        "share.view",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="share",
        object_ref=share.id,
    )
    return share, payload


def update_status(
    session: Session, actor: Actor, share_id: int, status: str, reason: str
) -> Share:
    """The recipient's follow-up, which the reporter sees on its signal."""
    if status not in STATUSES:
        raise InvalidInput(f"status: kies uit {', '.join(STATUSES)}.")
    if status == "geen_actie" and not reason.strip():
        raise InvalidInput("reden: geef bij 'geen actie' een reden.")
    share = _received(session, actor, share_id)
    with gate_writing():
        share.status = status
        share.status_reason = reason.strip()[:2000]
        share.updated_at = utcnow()
        session.flush()
    audit_log.append(
        session,
        "share.status",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="share",
        object_ref=share.id,
        detail={"status": status},
    )
    return share


def mark_consent_revoked(session: Session, actor: Actor, row: Signal) -> int:
    """Tell the recipients of consent-based shares that consent was withdrawn."""
    shares = session.scalars(
        select(Share).where(Share.signal_id == row.id, Share.consent_based.is_(True))
    )
    count = 0
    with gate_writing():
        for share in shares:
            share.consent_revoked = True
            share.updated_at = utcnow()
            count += 1
        session.flush()
    return count


def rotate_payloads(session: Session, keys: KeyMaterial) -> int:
    """Re-encrypt every share payload under the current key (key rotation)."""
    count = 0
    with gate_writing():
        for share in session.scalars(select(Share)):
            if keys.keyring.needs_rotation(share.payload_enc):
                share.payload_enc = keys.keyring.rotate(
                    share.payload_enc, PAYLOAD_CONTEXT
                )
                count += 1
        session.flush()
    return count


def erase_shares(session: Session, shares: list[Share], keys: KeyMaterial) -> int:
    """Replace the payload of each share by a tombstone without personal data.

    Used by erasure and retention (:mod:`schakel.services.rights`), which decide
    *what* expires; only the gate writes shares. The tombstone keeps the signal's
    vocabulary facts (forms, indicators, date, municipality: the clear columns of
    the signal itself), so registry counts still add up; the recipient's free-text
    follow-up reason is cleared too. Returns how many shares were erased.
    """
    count = 0
    with gate_writing():
        for share in shares:
            if share.erased_at is not None:
                continue
            row = session.get(Signal, share.signal_id)
            tombstone: dict[str, object] = {"erased": True}
            if row is not None:
                tombstone |= {
                    "forms": list(row.forms or []),
                    "indicators": list(row.indicators or []),
                    "observed_on": row.observed_on,
                    "municipality": row.municipality,
                }
            share.payload_enc = keys.keyring.encrypt_json(tombstone, PAYLOAD_CONTEXT)
            share.status_reason = ""
            share.erased_at = utcnow()
            share.updated_at = utcnow()
            count += 1
        session.flush()
    return count


@dataclass(frozen=True)
class Rectified:
    """What a rectification did to the shares made from one signal."""

    corrected: list[Share]
    withdrawn: list[Share]


def rectify_shares(
    session: Session,
    actor: Actor,
    shares: list[Share],
    before: SignalInput,
    after: SignalInput,
    keys: KeyMaterial,
) -> Rectified:
    """Correct every share made from a rectified signal and tell its recipient.

    Each payload is minimised again from the corrected content within the categories
    its decision covered, so a correction can never make more travel than was
    decided. When the correction changes a fact the share check relied on (whom the
    signal is about, or whether a victim is a minor), the decision no longer covers
    the share: it is withdrawn (tombstoned) and the sender must route again. Either
    way ``rectified_at`` tells the recipient (AVG art. 19); one audit entry per share.
    """
    changed_facts = subject_of(before) != subject_of(after) or (
        signal_service.minor_victim(before) != signal_service.minor_victim(after)
    )
    corrected: list[Share] = []
    withdrawn: list[Share] = []
    with gate_writing():
        for share in shares:
            if share.erased_at is not None:
                continue
            sender = session.get(Organisation, share.sender_org_id)
            assert sender is not None
            if changed_facts:
                row = session.get(Signal, share.signal_id)
                tombstone: dict[str, object] = {"erased": True, "withdrawn": True}
                if row is not None:
                    tombstone |= {
                        "forms": list(row.forms or []),
                        "indicators": list(row.indicators or []),
                        "observed_on": row.observed_on,
                        "municipality": row.municipality,
                    }
                share.payload_enc = keys.keyring.encrypt_json(
                    tombstone, PAYLOAD_CONTEXT
                )
                share.status_reason = ""
                share.erased_at = utcnow()
                withdrawn.append(share)
            else:
                payload = minimise(
                    after,
                    OrgType(sender.org_type),
                    {DataCategory(c) for c in share.categories},
                    anonymised=share.anonymised,
                )
                share.payload_enc = keys.keyring.encrypt_json(payload, PAYLOAD_CONTEXT)
                corrected.append(share)
            share.rectified_at = utcnow()
            share.updated_at = utcnow()
        session.flush()
    for share in (*corrected, *withdrawn):
        audit_log.append(
            session,
            "share.rectified",
            actor_user_id=actor.user_id,
            org_id=actor.org_id,
            object_type="share",
            object_ref=share.id,
            detail={
                "signal_id": share.signal_id,
                "recipient_org_id": share.org_id,
                "withdrawn": share in withdrawn,
            },
        )
    return Rectified(corrected, withdrawn)


# --- Case conferences ------------------------------------------------------------


@dataclass(frozen=True)
class GrantDecision:
    """What the gate decided for one participant and one contribution."""

    visible: bool
    decision: str
    ruleset_version: str
    answer: dict[str, object]


#: Recorded when a contribution holds no personal data (nothing to ask the check).
NO_PERSONAL_DATA = "no_personal_data"


def grant_contribution(
    session: Session,
    actor: Actor,
    contribution: CaseContribution,
    case: CaseConference,
    recipient: Organisation,
) -> CaseContributionGrant:
    """Decide (share check), audit and store whether ``recipient`` may see a case
    contribution; the only writer of :class:`CaseContributionGrant`.

    The question is the contributor's type to the participant's type, for the purpose
    and covenant the case's frame fixes, with the categories derived when the
    contribution was made. Only an allowing answer makes it visible.
    """
    sender = session.get(Organisation, contribution.org_id)
    assert sender is not None
    categories = [c for c in DataCategory if c.value in contribution.categories]
    if categories:
        consent = None
        if contribution.signal_id is not None:
            row = session.get(Signal, contribution.signal_id)
            assert row is not None
            consent = _consent_fact(row, recipient.org_type, case.purpose).value
        question = Question.model_validate(
            {
                "sender": sender.org_type,
                "recipient": recipient.org_type,
                "purpose": case.purpose,
                "covenant": case.frame,
                "data": [c.value for c in categories],
                "subject": contribution.subject,
                "subject_minor": contribution.subject_minor,
                "consent": consent,
                "professional_secrecy": contribution.professional_secrecy,
                "serious_danger": contribution.serious_danger,
            }
        )
        answer = check(question)
        outcome = GrantDecision(
            answer.decision in ALLOWING,
            answer.decision.value,
            answer.ruleset_version,
            answer.model_dump(mode="json"),
        )
    else:
        outcome = GrantDecision(True, NO_PERSONAL_DATA, load_ruleset().version, {})
    with gate_writing():
        grant = CaseContributionGrant(
            org_id=recipient.id,
            sender_org_id=contribution.org_id,
            case_id=case.id,
            contribution_id=contribution.id,
            visible=outcome.visible,
            decision=outcome.decision,
            ruleset_version=outcome.ruleset_version,
            answer=outcome.answer,
            categories=[c.value for c in categories],
        )
        session.add(grant)
        session.flush()
    audit_log.append(
        session,
        "case.contribution.grant",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="case_contribution",
        object_ref=contribution.id,
        ruleset_version=outcome.ruleset_version,
        detail={
            "case_id": case.id,
            "recipient_org_id": recipient.id,
            "decision": outcome.decision,
            "visible": outcome.visible,
            "categories": grant.categories,
        },
    )
    return grant
