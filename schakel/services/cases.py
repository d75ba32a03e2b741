"""Case conferences (casusoverleg): from a signal or a match alert to a joint plan.

A coordinator opens a case under a frame (RIEC, Zorg- en Veiligheidshuis or ad hoc)
that fixes the purpose and which organisation types may take part. Invited
organisations accept through their own coordinator. Every contribution passes the
share gate once per other accepted participant (:func:`gate.grant_contribution`);
nobody sees a contribution without a visible grant, except its own organisation.
Decisions and minutes are append-only, actions have an owner and a deadline, and a
closed case is read-only with its outcome fed back to the reporters of linked
signals: the signal it was opened from, signals linked in contributions and both
signals of the match alert it was opened from (:class:`Feedback`).

Need-to-know inside an organisation: participants are organisations *and* named
professionals. Of a participating organisation only its coordinators and the
professionals its coordinator named (and who accepted) see the case; every other
user of that organisation gets the same 404 as a stranger.

Tenancy: each organisation reaches a case only through its own participant row
(a tenant-filtered read); the case itself and the other organisations' rows are then
read elevated, and reduced to what that participant may see.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from schakel.clock import utcnow
from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.rules import load_ruleset
from schakel.services import gate, retention
from schakel.services import signals as signal_service
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.signals import categories_of, subject_of
from schakel.store import audit_log
from schakel.store.models import (
    CaseAction,
    CaseAgendaItem,
    CaseConference,
    CaseContribution,
    CaseContributionGrant,
    CaseDecision,
    CaseMeeting,
    CaseMember,
    CaseMinute,
    CaseParticipant,
    MatchAlert,
    Organisation,
    Signal,
    User,
)
from schakel.store.tenancy import elevated
from schakel.vocabulary import (
    Covenant,
    DataCategory,
    OrgType,
    Purpose,
    Role,
    SubjectRole,
)

TEXT_CONTEXT = "cases.text"
INVITED, ACCEPTED = "invited", "accepted"
#: The stages of a case, in order; ``afgesloten`` only through :func:`close`.
STATUSES = {
    "aangemeld": "aangemeld",
    "triage": "triage",
    "in_bespreking": "in bespreking",
    "plan_loopt": "plan loopt",
    "afgesloten": "afgesloten",
}
CLOSED = "afgesloten"
OUTCOMES = {
    "opsporingsonderzoek": "opsporingsonderzoek",
    "zorgtraject": "zorgtraject",
    "bestuurlijke_maatregel": "bestuurlijke maatregel",
    "geen_vervolg": "geen vervolg",
}
#: How long a closure stays in the reporter's inbox; the signal page keeps it.
FEEDBACK_INBOX_DAYS = 90
#: Action statuses the owner can set.
ACTION_STATUSES = {"open": "open", "done": "afgerond"}
#: One answer for a case that does not exist, one the caller's organisation does
#: not take part in, and one the caller was not named in: a different text would
#: tell a colleague which case numbers exist (tests/web/test_route_policy.py).
NOT_FOUND = (
    "Deze casus bestaat niet, of uw organisatie neemt er niet aan deel, of u bent er "
    "niet bij genoemd: alleen coördinatoren en genoemde professionals van een "
    "deelnemende organisatie zien een casus."
)
NOT_NAMED = NOT_FOUND
READ_ONLY = "Deze casus is afgesloten en kan niet meer worden gewijzigd."
#: Limits of a contribution's document references (no files: a title and where the
#: document is kept in the contributor's own system).
MAX_DOCUMENTS = 10
MAX_DOCUMENT_TITLE = 200
MAX_DOCUMENT_REFERENCE = 500


@dataclass(frozen=True)
class Frame:
    """A legal frame: the covenant the share check is asked under, the purpose it
    fixes (or allows) and the organisation types that may take part."""

    covenant: Covenant
    label: str
    purposes: tuple[Purpose, ...]
    org_types: frozenset[OrgType]


def _group(name: str) -> frozenset[OrgType]:
    return frozenset(OrgType(v) for v in load_ruleset().groups[name])


def frames() -> dict[Covenant, Frame]:
    """The frames; the partner lists are the rule set's own groups."""
    ad_hoc = frozenset(OrgType) - {OrgType.COMENSHA, OrgType.NATIONAAL_RAPPORTEUR}
    return {
        Covenant.RIEC: Frame(
            Covenant.RIEC,
            "RIEC",
            (Purpose.ADMINISTRATIVE,),
            _group("riec_partners"),
        ),
        Covenant.ZORG_EN_VEILIGHEIDSHUIS: Frame(
            Covenant.ZORG_EN_VEILIGHEIDSHUIS,
            "Zorg- en Veiligheidshuis",
            (Purpose.CARE,),
            _group("zvh_partners"),
        ),
        Covenant.OTHER: Frame(
            Covenant.OTHER,
            "Ad hoc (eigen grondslag per partner)",
            (Purpose.CARE, Purpose.INVESTIGATION, Purpose.ADMINISTRATIVE),
            ad_hoc,
        ),
    }


@dataclass(frozen=True)
class DocumentRef:
    """A document a contribution refers to: its title and where it is kept in the
    contributor's own system. No file travels; it passes the gate with its
    contribution."""

    title: str
    reference: str


@dataclass(frozen=True)
class ContributionView:
    row: CaseContribution
    text: str
    org_name: str
    author: str
    own: bool
    #: Own contribution: the gate's decision per participant; else the one for us.
    grants: list[CaseContributionGrant]
    documents: list[DocumentRef] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionView:
    row: CaseDecision
    text: str
    reason: str
    actor: str


@dataclass(frozen=True)
class ActionView:
    row: CaseAction
    text: str
    owner: str
    overdue: bool


@dataclass(frozen=True)
class MemberView:
    row: CaseMember
    name: str
    org_name: str


@dataclass(frozen=True)
class MinuteView:
    row: CaseMinute
    text: str
    actor: str
    #: Ids of later entries that correct this one (newest last).
    corrected_by: list[int]


@dataclass(frozen=True)
class AgendaItemView:
    row: CaseAgendaItem
    text: str


@dataclass(frozen=True)
class MeetingView:
    row: CaseMeeting
    title: str
    agenda: list[AgendaItemView]
    minutes: list[MinuteView]


@dataclass(frozen=True)
class Access:
    """How the caller reaches a case: through the organisation's participant row
    and, for anyone but a coordinator, their own named-professional row."""

    participant: CaseParticipant
    member: CaseMember | None
    coordinator: bool

    @property
    def org_accepted(self) -> bool:
        return self.participant.status == ACCEPTED

    @property
    def sees_content(self) -> bool:
        """Coordinators of an accepted organisation and accepted named
        professionals see what the gate allows their organisation."""
        named = self.member is not None and self.member.status == ACCEPTED
        return self.org_accepted and (self.coordinator or named)


@dataclass
class CaseView:
    """A case as one participant (organisation and person) may see it."""

    case: CaseConference
    membership: CaseParticipant
    frame: Frame
    participants: list[tuple[CaseParticipant, Organisation]]
    owner_name: str
    access: Access
    members: list[MemberView] = field(default_factory=list)
    contributions: list[ContributionView] = field(default_factory=list)
    hidden: int = 0
    meetings: list[MeetingView] = field(default_factory=list)
    decisions: list[DecisionView] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)
    outcome_reason: str = ""

    @property
    def accepted(self) -> bool:
        """The reader sees the case's content (not just an invitation)."""
        return self.access.sees_content

    @property
    def member_invitation(self) -> bool:
        """The reader was named as a professional and has not accepted yet."""
        member = self.access.member
        return self.access.org_accepted and (
            member is not None and member.status == INVITED
        )

    @property
    def closed(self) -> bool:
        return self.case.status == CLOSED


# --- helpers -----------------------------------------------------------------------


def _encrypt(keys: KeyMaterial, value: dict[str, Any]) -> str:
    return keys.keyring.encrypt_json(value, TEXT_CONTEXT)


def _decrypt(keys: KeyMaterial, stored: str) -> dict[str, Any]:
    value: dict[str, Any] = keys.keyring.decrypt_json(stored, TEXT_CONTEXT)
    return value


def _text(value: str, name: str, limit: int = 5000) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidInput(f"{name}: vul dit in.")
    if len(cleaned) > limit:
        raise InvalidInput(f"{name}: maximaal {limit} tekens.")
    return cleaned


def _require(actor: Actor, *roles: Role) -> None:
    if not actor.has(*roles):
        raise NotPermitted("Uw rol geeft geen toegang tot deze handeling in de casus.")


@contextmanager
def _cross(session: Session) -> Iterator[Session]:
    with elevated(session) as inner:
        yield inner


def _membership(session: Session, actor: Actor, case_id: int) -> CaseParticipant:
    """The caller's organisation's participant row (tenant-filtered), or 404."""
    row = session.scalars(
        select(CaseParticipant).where(
            CaseParticipant.case_id == case_id,
            CaseParticipant.org_id == actor.org_id,
        )
    ).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def _own_member(session: Session, actor: Actor, case_id: int) -> CaseMember | None:
    return session.scalars(
        select(CaseMember).where(
            CaseMember.case_id == case_id,
            CaseMember.user_id == actor.user_id,
            CaseMember.org_id == actor.org_id,
        )
    ).first()


def _access(session: Session, actor: Actor, case_id: int) -> Access:
    """The caller's way into the case, or 404: the organisation must take part and,
    unless the caller is a coordinator, the caller must have been named."""
    participant = _membership(session, actor, case_id)
    member = _own_member(session, actor, case_id)
    coordinator = actor.has(Role.COORDINATOR)
    if not coordinator and member is None:
        raise NotFound(NOT_NAMED)
    return Access(participant, member, coordinator)


def _case(session: Session, case_id: int) -> CaseConference:
    with _cross(session):
        case = session.get(CaseConference, case_id)
    if case is None:
        raise NotFound(NOT_FOUND)
    return case


def _accepted(session: Session, actor: Actor, case_id: int) -> CaseConference:
    """The case, when the caller sees its content; else 403 with the reason."""
    access = _access(session, actor, case_id)
    if not access.org_accepted:
        raise NotPermitted(
            "Uw organisatie is uitgenodigd maar heeft nog niet geaccepteerd."
        )
    if not access.sees_content:
        raise NotPermitted(
            "U bent genoemd maar heeft de uitnodiging nog niet aanvaard."
        )
    return _case(session, case_id)


def _open(case: CaseConference) -> None:
    if case.status == CLOSED:
        raise InvalidInput(READ_ONLY)


def _lead(actor: Actor, case: CaseConference) -> None:
    if case.org_id != actor.org_id or not actor.has(Role.COORDINATOR):
        raise NotPermitted(
            "Alleen een coördinator van de organisatie die de casus opende kan dit."
        )


def _participants(
    session: Session, case_id: int
) -> list[tuple[CaseParticipant, Organisation]]:
    with _cross(session):
        rows = session.execute(
            select(CaseParticipant, Organisation)
            .join(Organisation, Organisation.id == CaseParticipant.org_id)
            .where(CaseParticipant.case_id == case_id)
            .order_by(CaseParticipant.id)
        ).all()
    return [(p, o) for p, o in rows]


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    case_id: int,
    detail: dict[str, object] | None = None,
) -> None:
    audit_log.append(
        session,
        action,
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="case",
        object_ref=case_id,
        detail=detail or {},
    )


def _user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, Organisation.name)
        .join(Organisation, Organisation.id == User.org_id)
        .where(User.id.in_(ids))
    ).all()
    return {uid: f"{name} ({org})" for uid, name, org in rows}


# --- opening and participants ------------------------------------------------------


def may_open(actor: Actor) -> bool:
    """Whether the caller may open a case at all: a coordinator of an organisation
    type that some frame lets take part. Pages offer "Casus openen" only then, so
    the link never leads to a refusal."""
    return actor.has(Role.COORDINATOR) and any(
        actor.org_type in spec.org_types for spec in frames().values()
    )


def open_case(
    session: Session,
    actor: Actor,
    keys: KeyMaterial,
    *,
    frame: Covenant,
    signal_id: int | None = None,
    alert_id: int | None = None,
    purpose: Purpose | None = None,
) -> CaseConference:
    """Open a case from an own submitted signal or an own match alert."""
    _require(actor, Role.COORDINATOR)
    spec = frames()[frame]
    if actor.org_type not in spec.org_types:
        raise InvalidInput(
            f"kader: uw organisatietype neemt niet deel aan {spec.label}."
        )
    chosen = purpose or spec.purposes[0]
    if chosen not in spec.purposes:
        raise InvalidInput(
            f"doel: binnen {spec.label} is het doel "
            + " of ".join(p.value for p in spec.purposes)
            + "."
        )
    alert: MatchAlert | None = None
    if alert_id is not None:
        alert = session.scalars(
            select(MatchAlert).where(
                MatchAlert.id == alert_id, MatchAlert.org_id == actor.org_id
            )
        ).first()
        if alert is None:
            raise InvalidInput("hit-melding: deze bestaat niet bij uw organisatie.")
        signal_id = alert.signal_id
    if signal_id is None:
        raise InvalidInput("bron: kies een signaal of een hit-melding.")
    row = session.scalars(select(Signal).where(Signal.id == signal_id)).first()
    if row is None or row.org_id != actor.org_id:
        raise InvalidInput("signaal: dit signaal is niet van uw organisatie.")
    if row.status != signal_service.SUBMITTED:
        raise InvalidInput("signaal: dien het signaal eerst in.")
    subject = subject_of(signal_service.decrypt(row, keys))
    case = CaseConference(
        org_id=actor.org_id,
        opened_by_user_id=actor.user_id,
        frame=frame.value,
        purpose=chosen.value,
        subject=subject.value,
        status="aangemeld",
        source_signal_id=row.id,
        source_alert_id=alert.id if alert else None,
    )
    session.add(case)
    session.flush()
    session.add(
        CaseParticipant(
            org_id=actor.org_id,
            case_id=case.id,
            status=ACCEPTED,
            invited_by_user_id=actor.user_id,
            accepted_by_user_id=actor.user_id,
            accepted_at=utcnow(),
        )
    )
    session.flush()
    _audit(
        session,
        actor,
        "case.open",
        case.id,
        {"frame": case.frame, "purpose": case.purpose, "from_alert": alert is not None},
    )
    if alert is not None:
        with _cross(session):
            other = session.get(Organisation, alert.other_org_id)
        if other is not None and OrgType(other.org_type) in spec.org_types:
            invite(session, actor, case.id, other.id)
    return case


def invite(
    session: Session, actor: Actor, case_id: int, org_id: int
) -> CaseParticipant:
    """Invite an organisation whose type the frame allows."""
    _access(session, actor, case_id)
    case = _case(session, case_id)
    _lead(actor, case)
    _open(case)
    spec = frames()[Covenant(case.frame)]
    org = session.get(Organisation, org_id)
    if org is None:
        raise InvalidInput("organisatie: deze organisatie bestaat niet.")
    if OrgType(org.org_type) not in spec.org_types:
        raise InvalidInput(
            f"organisatie: {org.name} ({org.org_type}) kan binnen het kader "
            f"{spec.label} niet deelnemen."
        )
    if any(p.org_id == org.id for p, _ in _participants(session, case_id)):
        raise InvalidInput(f"organisatie: {org.name} is al uitgenodigd.")
    with _cross(session):
        row = CaseParticipant(
            org_id=org.id,
            case_id=case_id,
            status=INVITED,
            invited_by_user_id=actor.user_id,
        )
        session.add(row)
        session.flush()
    _audit(session, actor, "case.invite", case_id, {"invited_org_id": org.id})
    return row


def accept(session: Session, actor: Actor, case_id: int) -> CaseParticipant:
    """The invited organisation's coordinator accepts; the gate then decides, for
    every existing contribution, what this late joiner may see."""
    membership = _access(session, actor, case_id).participant
    _require(actor, Role.COORDINATOR)
    if membership.status == ACCEPTED:
        raise InvalidInput("Uw organisatie neemt al deel aan deze casus.")
    case = _case(session, case_id)
    _open(case)
    membership.status = ACCEPTED
    membership.accepted_by_user_id = actor.user_id
    membership.accepted_at = utcnow()
    session.flush()
    _audit(session, actor, "case.accept", case_id)
    me = session.get(Organisation, actor.org_id)
    assert me is not None
    with _cross(session):
        existing = session.scalars(
            select(CaseContribution)
            .where(CaseContribution.case_id == case_id)
            .order_by(CaseContribution.id)
        ).all()
        for contribution in existing:
            gate.grant_contribution(session, actor, contribution, case, me)
    return membership


def name_member(
    session: Session, actor: Actor, case_id: int, user_id: int
) -> CaseMember:
    """A coordinator names a professional of their own organisation (need-to-know:
    only named professionals see the case); the professional then accepts."""
    _require(actor, Role.COORDINATOR)
    access = _access(session, actor, case_id)
    if not access.org_accepted:
        raise NotPermitted(
            "Accepteer eerst de uitnodiging van uw organisatie; daarna noemt u "
            "professionals."
        )
    _open(_case(session, case_id))
    user = session.get(User, user_id)
    if user is None or user.org_id != actor.org_id or not user.active:
        raise InvalidInput(
            "professional: kies een actieve medewerker van uw eigen organisatie."
        )
    if Role.COORDINATOR.value in user.roles:
        raise InvalidInput(
            f"professional: {user.display_name} is coördinator en ziet de casus al."
        )
    if Role.PROFESSIONAL.value not in user.roles:
        raise InvalidInput(
            f"professional: {user.display_name} heeft geen rol als professional."
        )
    if _own_member_of(session, case_id, user.id) is not None:
        raise InvalidInput(f"professional: {user.display_name} is al genoemd.")
    row = CaseMember(
        org_id=actor.org_id,
        case_id=case_id,
        user_id=user.id,
        status=INVITED,
        invited_by_user_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "case.member.invite", case_id, {"member_user_id": user.id})
    return row


def _own_member_of(session: Session, case_id: int, user_id: int) -> CaseMember | None:
    return session.scalars(
        select(CaseMember).where(
            CaseMember.case_id == case_id, CaseMember.user_id == user_id
        )
    ).first()


def accept_membership(session: Session, actor: Actor, case_id: int) -> CaseMember:
    """A named professional accepts; from then on they see what the gate allows
    their organisation (including what was shared before they joined)."""
    access = _access(session, actor, case_id)
    member = access.member
    if member is None:
        raise NotPermitted("U bent in deze casus niet als professional genoemd.")
    if member.status == ACCEPTED:
        raise InvalidInput("U neemt al deel aan deze casus.")
    _open(_case(session, case_id))
    member.status = ACCEPTED
    member.accepted_at = utcnow()
    session.flush()
    _audit(session, actor, "case.member.accept", case_id)
    return member


def set_status(
    session: Session, actor: Actor, case_id: int, status: str
) -> CaseConference:
    _access(session, actor, case_id)
    case = _case(session, case_id)
    _lead(actor, case)
    _open(case)
    if status not in STATUSES or status == CLOSED:
        raise InvalidInput(
            "status: kies aangemeld, triage, in_bespreking of plan_loopt; "
            "afsluiten gaat met een uitkomst."
        )
    with _cross(session):
        case.status = status
        session.flush()
    _audit(session, actor, "case.status", case_id, {"status": status})
    return case


# --- contributions -----------------------------------------------------------------


def contribute(
    session: Session,
    actor: Actor,
    keys: KeyMaterial,
    case_id: int,
    text: str,
    *,
    signal_id: int | None = None,
    identifying: bool = False,
    professional_secrecy: bool | None = None,
    serious_danger: bool | None = None,
    documents: Sequence[DocumentRef] = (),
) -> CaseContribution:
    """Add a contribution (text, optionally a linked own signal and references to
    documents in the own system); the gate decides per other accepted participant,
    for the contribution as a whole."""
    _require(actor, Role.PROFESSIONAL, Role.COORDINATOR)
    case = _accepted(session, actor, case_id)
    _open(case)
    body = _text(text, "bijdrage")
    refs = _documents(documents)
    categories: set[DataCategory] = set()
    subject = SubjectRole(case.subject)
    minor: bool | None = None
    if signal_id is not None:
        row = session.scalars(select(Signal).where(Signal.id == signal_id)).first()
        if row is None or row.org_id != actor.org_id:
            raise InvalidInput("signaal: koppel alleen een signaal van uw organisatie.")
        if row.status != signal_service.SUBMITTED:
            raise InvalidInput("signaal: dien het signaal eerst in.")
        content = signal_service.decrypt(row, keys)
        categories |= categories_of(content, actor.org_type)
        subject = subject_of(content)
        minor = signal_service.minor_victim(content)
    if identifying:
        categories.add(DataCategory.IDENTIFYING)
    contribution = CaseContribution(
        org_id=actor.org_id,
        case_id=case_id,
        author_user_id=actor.user_id,
        text_enc=_encrypt(
            keys,
            {
                "text": body,
                "documents": [
                    {"title": d.title, "reference": d.reference} for d in refs
                ],
            },
        ),
        signal_id=signal_id,
        identifying=identifying or signal_id is not None,
        subject=subject.value,
        subject_minor=minor,
        professional_secrecy=professional_secrecy,
        serious_danger=serious_danger,
        categories=[c.value for c in DataCategory if c in categories],
    )
    session.add(contribution)
    session.flush()
    _audit(
        session,
        actor,
        "case.contribution",
        case_id,
        {
            "contribution_id": contribution.id,
            "categories": contribution.categories,
            "documents": len(refs),
        },
    )
    with _cross(session):
        for participant, org in _participants(session, case_id):
            if participant.status == ACCEPTED and org.id != actor.org_id:
                gate.grant_contribution(session, actor, contribution, case, org)
    return contribution


def _documents(documents: Sequence[DocumentRef]) -> list[DocumentRef]:
    if len(documents) > MAX_DOCUMENTS:
        raise InvalidInput(f"documenten: maximaal {MAX_DOCUMENTS} per bijdrage.")
    cleaned = []
    for number, doc in enumerate(documents, start=1):
        title, reference = doc.title.strip(), doc.reference.strip()
        if not title or not reference:
            raise InvalidInput(
                f"documenten: document {number}: vul een titel en een vindplaats in."
            )
        if len(title) > MAX_DOCUMENT_TITLE:
            raise InvalidInput(
                f"documenten: document {number}: titel maximaal "
                f"{MAX_DOCUMENT_TITLE} tekens."
            )
        if len(reference) > MAX_DOCUMENT_REFERENCE:
            raise InvalidInput(
                f"documenten: document {number}: vindplaats maximaal "
                f"{MAX_DOCUMENT_REFERENCE} tekens."
            )
        cleaned.append(DocumentRef(title, reference))
    return cleaned


def parse_documents(text: str) -> list[DocumentRef]:
    """Document references typed one per line as ``title | where it is kept``.

    >>> parse_documents("Rapportage intake | Dossier ZC-12, map 3\\n\\n")
    [DocumentRef(title='Rapportage intake', reference='Dossier ZC-12, map 3')]
    """
    refs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        title, bar, reference = line.partition("|")
        if not bar:
            raise InvalidInput(
                f"documenten: regel {number}: schrijf 'titel | vindplaats'."
            )
        refs.append(DocumentRef(title.strip(), reference.strip()))
    return _documents(refs)


# --- meeting support ---------------------------------------------------------------


def record_decision(
    session: Session,
    actor: Actor,
    keys: KeyMaterial,
    case_id: int,
    text: str,
    reason: str,
) -> CaseDecision:
    """Append a decision (actor, time, text, reason); decisions are never changed."""
    _require(actor, Role.COORDINATOR)
    case = _accepted(session, actor, case_id)
    _open(case)
    payload = {"text": _text(text, "besluit"), "reason": _text(reason, "motivering")}
    row = CaseDecision(
        org_id=actor.org_id,
        case_id=case_id,
        actor_user_id=actor.user_id,
        text_enc=_encrypt(keys, payload),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "case.decision", case_id, {"decision_id": row.id})
    return row


def add_meeting(
    session: Session,
    actor: Actor,
    keys: KeyMaterial,
    case_id: int,
    held_on: dt.date | None,
    title: str,
) -> CaseMeeting:
    """The lead plans (or records) a meeting; agenda and minutes hang off it."""
    _require(actor, Role.COORDINATOR)
    case = _accepted(session, actor, case_id)
    _lead(actor, case)
    _open(case)
    if held_on is None:
        raise InvalidInput("datum: vul de datum van het overleg in.")
    row = CaseMeeting(
        org_id=case.org_id,
        case_id=case_id,
        held_on=held_on.isoformat(),
        title_enc=_encrypt(keys, {"text": _text(title, "titel", 200)}),
        created_by_user_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "case.meeting", case_id, {"meeting_id": row.id})
    return row


def _meeting(session: Session, case_id: int, meeting_id: int | None) -> CaseMeeting:
    if meeting_id is None:
        raise InvalidInput("overleg: kies een overleg.")
    with _cross(session):
        row = session.get(CaseMeeting, meeting_id)
    if row is None or row.case_id != case_id:
        raise InvalidInput("overleg: dit overleg hoort niet bij deze casus.")
    return row


def add_agenda_item(
    session: Session,
    actor: Actor,
    keys: KeyMaterial,
    case_id: int,
    meeting_id: int | None,
    text: str,
) -> CaseAgendaItem:
    """The lead adds an item at the end of a meeting's agenda."""
    _require(actor, Role.COORDINATOR)
    case = _accepted(session, actor, case_id)
    _lead(actor, case)
    _open(case)
    meeting = _meeting(session, case_id, meeting_id)
    body = _text(text, "agendapunt", 500)
    last = session.scalar(
        select(func.max(CaseAgendaItem.position)).where(
            CaseAgendaItem.meeting_id == meeting.id
        )
    )
    row = CaseAgendaItem(
        org_id=case.org_id,
        case_id=case_id,
        meeting_id=meeting.id,
        position=(last or 0) + 1,
        text_enc=_encrypt(keys, {"text": body}),
        created_by_user_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        actor,
        "case.agenda",
        case_id,
        {"meeting_id": meeting.id, "agenda_item_id": row.id},
    )
    return row


def add_minute(
    session: Session,
    actor: Actor,
    keys: KeyMaterial,
    case_id: int,
    meeting_id: int | None,
    text: str,
    corrects_id: int | None = None,
) -> CaseMinute:
    """Append a minutes entry (actor, time, text) to a meeting. Entries are never
    changed: a correction is a new entry naming the one it corrects.

    Minutes, like decisions, are the meeting's common record, read by every
    participant; personal data belongs in contributions, which pass the gate.
    """
    _require(actor, Role.COORDINATOR)
    case = _accepted(session, actor, case_id)
    _open(case)
    meeting = _meeting(session, case_id, meeting_id)
    body = _text(text, "notulen")
    if corrects_id is not None:
        with _cross(session):
            earlier = session.get(CaseMinute, corrects_id)
        if earlier is None or earlier.meeting_id != meeting.id:
            raise InvalidInput(
                "correctie: deze notulenregel bestaat niet in dit overleg."
            )
    row = CaseMinute(
        org_id=actor.org_id,
        case_id=case_id,
        meeting_id=meeting.id,
        actor_user_id=actor.user_id,
        text_enc=_encrypt(keys, {"text": body}),
        corrects_id=corrects_id,
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        actor,
        "case.minute",
        case_id,
        {"meeting_id": meeting.id, "minute_id": row.id, "corrects_id": corrects_id},
    )
    return row


def add_action(
    session: Session,
    actor: Actor,
    keys: KeyMaterial,
    case_id: int,
    text: str,
    owner_user_id: int | None,
    deadline: dt.date | None,
) -> CaseAction:
    """Add an action-plan item owned by someone who sees the case: a coordinator
    of an accepted organisation or an accepted named professional."""
    _require(actor, Role.COORDINATOR)
    case = _accepted(session, actor, case_id)
    _open(case)
    body = _text(text, "actie")
    if owner_user_id is None:
        raise InvalidInput("eigenaar: kies wie de actie uitvoert.")
    if deadline is None:
        raise InvalidInput("deadline: vul een datum in.")
    if deadline < utcnow().date():
        raise InvalidInput("deadline: kies vandaag of een latere datum.")
    owner = session.get(User, owner_user_id)
    if owner is None or owner.id not in _eligible_owners(session, case_id):
        raise InvalidInput(
            "eigenaar: kies een coördinator of genoemde professional van een "
            "deelnemende organisatie."
        )
    with _cross(session):
        row = CaseAction(
            org_id=owner.org_id,
            case_id=case_id,
            owner_user_id=owner.id,
            created_by_user_id=actor.user_id,
            text_enc=_encrypt(keys, {"text": body}),
            deadline=deadline.isoformat(),
            status="open",
        )
        session.add(row)
        session.flush()
    _audit(
        session,
        actor,
        "case.action",
        case_id,
        {"action_id": row.id, "owner_user_id": owner.id},
    )
    return row


def _eligible_owners(session: Session, case_id: int) -> set[int]:
    """Active users who see the case's content: coordinators of accepted
    organisations and accepted named professionals."""
    accepted = {
        o.id for p, o in _participants(session, case_id) if p.status == ACCEPTED
    }
    if not accepted:
        return set()
    with _cross(session):
        named = set(
            session.scalars(
                select(CaseMember.user_id).where(
                    CaseMember.case_id == case_id, CaseMember.status == ACCEPTED
                )
            )
        )
    users = session.scalars(
        select(User).where(User.org_id.in_(accepted), User.active.is_(True))
    ).all()
    return {u.id for u in users if Role.COORDINATOR.value in u.roles or u.id in named}


def set_action_status(
    session: Session, actor: Actor, action_id: int, status: str
) -> CaseAction:
    """The owner sets an own action ``done`` (or back to ``open``); a
    tenant-filtered read, so only the owner's organisation finds it."""
    if status not in ACTION_STATUSES:
        raise InvalidInput(f"status: kies uit {', '.join(ACTION_STATUSES)}.")
    row = session.scalars(
        select(CaseAction).where(
            CaseAction.id == action_id, CaseAction.org_id == actor.org_id
        )
    ).first()
    if row is None:
        raise NotFound("Deze actie bestaat niet of is niet van uw organisatie.")
    if row.owner_user_id != actor.user_id:
        raise NotPermitted("Alleen de eigenaar kan de status van een actie wijzigen.")
    case = _case(session, row.case_id)
    _open(case)
    if row.status == status:
        raise InvalidInput(f"status: de actie is al {ACTION_STATUSES[status]}.")
    row.status = status
    row.done_at = utcnow() if status == "done" else None
    session.flush()
    _audit(
        session,
        actor,
        "case.action_done" if status == "done" else "case.action_reopen",
        row.case_id,
        {"action_id": row.id},
    )
    return row


def complete_action(session: Session, actor: Actor, action_id: int) -> CaseAction:
    """The owner marks an own action done."""
    return set_action_status(session, actor, action_id, "done")


def overdue_actions(session: Session, actor: Actor) -> list[tuple[CaseAction, str]]:
    """The caller's open actions past their deadline in cases still running."""
    today = utcnow().date().isoformat()
    rows = session.scalars(
        select(CaseAction)
        .where(
            CaseAction.owner_user_id == actor.user_id,
            CaseAction.status == "open",
            CaseAction.deadline < today,
        )
        .order_by(CaseAction.deadline)
    ).all()
    with _cross(session):
        closed = {
            c.id
            for c in session.scalars(
                select(CaseConference).where(
                    CaseConference.id.in_({r.case_id for r in rows}),
                    CaseConference.status == CLOSED,
                )
            )
        }
    return [(r, r.deadline) for r in rows if r.case_id not in closed]


# --- closure -----------------------------------------------------------------------


def close(
    session: Session,
    actor: Actor,
    keys: KeyMaterial,
    case_id: int,
    outcome: str,
    reason: str,
) -> CaseConference:
    """Close with an outcome; the case becomes read-only and its retention starts."""
    _access(session, actor, case_id)
    case = _case(session, case_id)
    _lead(actor, case)
    _open(case)
    if outcome not in OUTCOMES:
        raise InvalidInput(f"uitkomst: kies uit {', '.join(OUTCOMES)}.")
    cleaned = reason.strip()
    if outcome == "geen_vervolg" and not cleaned:
        raise InvalidInput("reden: geef bij 'geen vervolg' een reden.")
    now = utcnow()
    with _cross(session):
        case.status = CLOSED
        case.outcome = outcome
        case.outcome_reason_enc = _encrypt(keys, {"text": cleaned[:2000]})
        case.closed_at = now
        # the period is policy ``case_closed``; retention.run applies it
        case.retention_until = retention.case_retention_end(now)
        session.flush()
    _audit(session, actor, "case.close", case_id, {"outcome": outcome})
    return case


@dataclass(frozen=True)
class Feedback:
    """What the reporter of a linked signal hears when a case closes: the outcome
    and the date, about their *own* signal.

    The reporter whose signal matched the hit another organisation opened the case
    from learns only that: of the case, its number and its closing reason are
    shown only where the reader sees them elsewhere already. The number when the
    reader's organisation takes part in the case (its coordinators see it in
    their case list); the reason when the reader sees the case's content (the case
    page shows it). Nothing of the other organisation's signal or contributions
    is read into it.
    """

    signal_id: int
    outcome: str
    closed_on: dt.date
    case_id: int | None = None
    reason: str = ""


def _closed_about(
    session: Session,
    actor: Actor,
    own: ColumnElement[bool],
    since: dt.datetime | None = None,
) -> list[tuple[int, CaseConference]]:
    """Closed cases about the caller's organisation's signals matching ``own``,
    with the signal each is about.

    A signal is about a case when the case was opened from it (also the own signal
    of the match alert it was opened from), when an own contribution linked it, or
    when it is the *other* signal of that match alert: the hit told both
    organisations, so both reporters hear the outcome. Read elevated (the case may
    be another organisation's); every path is pinned to the caller's organisation
    by its own column, never by the tenant filter.
    """
    mine = [Signal.org_id == actor.org_id, own]
    closed = [CaseConference.status == CLOSED]
    if since is not None:
        closed.append(CaseConference.closed_at >= since)
    opened_from = (
        select(Signal.id, CaseConference)
        .join(CaseConference, CaseConference.source_signal_id == Signal.id)
        .where(CaseConference.org_id == actor.org_id, *mine, *closed)
    )
    linked = (
        select(Signal.id, CaseConference)
        .join(CaseContribution, CaseContribution.signal_id == Signal.id)
        .join(CaseConference, CaseConference.id == CaseContribution.case_id)
        .where(CaseContribution.org_id == actor.org_id, *mine, *closed)
    )
    matched = (
        select(Signal.id, CaseConference)
        .join(MatchAlert, MatchAlert.other_signal_id == Signal.id)
        .join(
            CaseConference,
            and_(
                CaseConference.source_alert_id == MatchAlert.id,
                CaseConference.org_id == MatchAlert.org_id,
            ),
        )
        .where(MatchAlert.other_org_id == actor.org_id, *mine, *closed)
    )
    found: dict[tuple[int, int], CaseConference] = {}
    with _cross(session):
        for query in (opened_from, linked, matched):
            for signal_id, case in session.execute(query).all():
                found[(signal_id, case.id)] = case
    return [(signal_id, case) for (signal_id, _), case in found.items()]


def _feedback(
    session: Session,
    actor: Actor,
    keys: KeyMaterial | None,
    about: list[tuple[int, CaseConference]],
) -> list[Feedback]:
    """Reduce closed cases to what this reader may hear (see :class:`Feedback`),
    newest closure first; without ``keys`` never a reason."""
    case_ids = {case.id for _, case in about}
    if not case_ids:
        return []
    # Tenant-filtered: the reader's own organisation's rows only.
    participants = {
        p.case_id: p
        for p in session.scalars(
            select(CaseParticipant).where(
                CaseParticipant.case_id.in_(case_ids),
                CaseParticipant.org_id == actor.org_id,
            )
        )
    }
    members = {
        m.case_id: m
        for m in session.scalars(
            select(CaseMember).where(
                CaseMember.case_id.in_(case_ids),
                CaseMember.user_id == actor.user_id,
                CaseMember.org_id == actor.org_id,
            )
        )
    }
    coordinator = actor.has(Role.COORDINATOR)
    result = []
    for signal_id, case in about:
        participant = participants.get(case.id)
        reason = ""
        if (
            keys is not None
            and participant is not None
            and case.outcome_reason_enc
            and Access(participant, members.get(case.id), coordinator).sees_content
        ):
            reason = _decrypt(keys, case.outcome_reason_enc)["text"]
        assert case.closed_at is not None  # a closed case has its closing time
        result.append(
            Feedback(
                signal_id,
                OUTCOMES.get(case.outcome or "", case.outcome or ""),
                case.closed_at.date(),
                case.id if participant is not None else None,
                reason,
            )
        )
    result.sort(key=lambda f: (f.closed_on, f.case_id or 0), reverse=True)
    return result


def feedback_for_signal(
    session: Session, actor: Actor, keys: KeyMaterial, signal_id: int
) -> list[Feedback]:
    """The outcome of every closed case about this own signal (the signal page)."""
    return _feedback(
        session, actor, keys, _closed_about(session, actor, Signal.id == signal_id)
    )


def feedback_for_reporter(
    session: Session, actor: Actor, keys: KeyMaterial
) -> list[Feedback]:
    """Closures of the last :data:`FEEDBACK_INBOX_DAYS` about signals the caller
    reported: the notice in the reporter's inbox."""
    since = utcnow() - dt.timedelta(days=FEEDBACK_INBOX_DAYS)
    about = _closed_about(
        session, actor, Signal.reporter_user_id == actor.user_id, since
    )
    return _feedback(session, actor, keys, about)


def outcomes_for_signal(
    session: Session, actor: Actor, signal_id: int
) -> list[tuple[int | None, str]]:
    """Case number (where the reader's organisation takes part) and outcome label
    per closed case about this own signal: :func:`feedback_for_signal` without
    dates and reasons, for callers that need no keys."""
    about = _closed_about(session, actor, Signal.id == signal_id)
    return [(f.case_id, f.outcome) for f in _feedback(session, actor, None, about)]


# --- reading -----------------------------------------------------------------------


def list_for(
    session: Session, actor: Actor
) -> list[tuple[CaseConference, CaseParticipant]]:
    """Cases the caller may reach: for a coordinator every case the organisation
    takes part in or is invited to; for anyone else the cases they were named in."""
    memberships = session.scalars(
        select(CaseParticipant)
        .where(CaseParticipant.org_id == actor.org_id)
        .order_by(CaseParticipant.case_id.desc())
    ).all()
    by_case = {m.case_id: m for m in memberships}
    if not actor.has(Role.COORDINATOR):
        named = set(
            session.scalars(
                select(CaseMember.case_id).where(
                    CaseMember.user_id == actor.user_id,
                    CaseMember.org_id == actor.org_id,
                )
            )
        )
        by_case = {k: v for k, v in by_case.items() if k in named}
    if not by_case:
        return []
    with _cross(session):
        cases = session.scalars(
            select(CaseConference)
            .where(CaseConference.id.in_(by_case))
            .order_by(CaseConference.id.desc())
        ).all()
    return [(c, by_case[c.id]) for c in cases]


def invitations_for(session: Session, actor: Actor) -> list[tuple[CaseConference, str]]:
    """Open invitations waiting for the caller: as named professional
    (``member``) or, for a coordinator, of the organisation (``organisation``)."""
    return [
        (case, "organisation" if participant.status == INVITED else "member")
        for case, participant in list_for(session, actor)
        if case.status != CLOSED
        and (
            (participant.status == INVITED and actor.has(Role.COORDINATOR))
            or (
                participant.status == ACCEPTED
                and (member := _own_member(session, actor, case.id)) is not None
                and member.status == INVITED
            )
        )
    ]


def get(
    session: Session,
    actor: Actor,
    case_id: int,
    keys: KeyMaterial,
    *,
    audit_action: str = "case.view",
    require_content: bool = False,
) -> CaseView:
    """The case as the caller may see it (audited as a view, or as an export).

    An invited organisation, or a named professional who has not accepted, sees
    only the invitation; otherwise the reader sees the own organisation's
    contributions, those the gate made visible to it, meetings, decisions and
    actions. With ``require_content`` an invitation is refused (403) instead.
    """
    access = _access(session, actor, case_id)
    if require_content and not access.sees_content:
        raise NotPermitted(
            "Accepteer eerst de uitnodiging; daarna kunt u de inhoud inzien."
        )
    case = _case(session, case_id)
    participants = _participants(session, case_id)
    owner_name = next((o.name for _, o in participants if o.id == case.org_id), "")
    view = CaseView(
        case,
        access.participant,
        frames()[Covenant(case.frame)],
        participants,
        owner_name,
        access,
    )
    _audit(session, actor, audit_action, case_id)
    if not access.sees_content:
        return view
    names = {o.id: o.name for _, o in participants}
    own_grants = session.scalars(
        select(CaseContributionGrant).where(
            CaseContributionGrant.case_id == case_id,
            or_(
                CaseContributionGrant.org_id == actor.org_id,
                CaseContributionGrant.sender_org_id == actor.org_id,
            ),
        )
    ).all()
    mine = {g.contribution_id: g for g in own_grants if g.org_id == actor.org_id}
    given: dict[int, list[CaseContributionGrant]] = {}
    for g in own_grants:
        if g.sender_org_id == actor.org_id:
            given.setdefault(g.contribution_id, []).append(g)
    with _cross(session):
        members = session.scalars(
            select(CaseMember)
            .where(CaseMember.case_id == case_id)
            .order_by(CaseMember.id)
        ).all()
        contributions = session.scalars(
            select(CaseContribution)
            .where(CaseContribution.case_id == case_id)
            .order_by(CaseContribution.id)
        ).all()
        meetings = session.scalars(
            select(CaseMeeting)
            .where(CaseMeeting.case_id == case_id)
            .order_by(CaseMeeting.held_on, CaseMeeting.id)
        ).all()
        agenda = session.scalars(
            select(CaseAgendaItem)
            .where(CaseAgendaItem.case_id == case_id)
            .order_by(CaseAgendaItem.meeting_id, CaseAgendaItem.position)
        ).all()
        minutes = session.scalars(
            select(CaseMinute)
            .where(CaseMinute.case_id == case_id)
            .order_by(CaseMinute.id)
        ).all()
        decisions = session.scalars(
            select(CaseDecision)
            .where(CaseDecision.case_id == case_id)
            .order_by(CaseDecision.id)
        ).all()
        actions = session.scalars(
            select(CaseAction)
            .where(CaseAction.case_id == case_id)
            .order_by(CaseAction.deadline, CaseAction.id)
        ).all()
    users = _user_names(
        session,
        {c.author_user_id for c in contributions}
        | {m.actor_user_id for m in minutes}
        | {d.actor_user_id for d in decisions}
        | {a.owner_user_id for a in actions},
    )
    people: dict[int, str] = dict(
        session.execute(
            select(User.id, User.display_name).where(
                User.id.in_({m.user_id for m in members})
            )
        ).all()
    )
    view.members = [
        MemberView(m, people.get(m.user_id, ""), names.get(m.org_id, ""))
        for m in members
    ]
    for c in contributions:
        own = c.org_id == actor.org_id
        grant = mine.get(c.id)
        if not own and (grant is None or not grant.visible):
            view.hidden += 1
            continue
        payload = _decrypt(keys, c.text_enc)
        view.contributions.append(
            ContributionView(
                c,
                payload["text"],
                names.get(c.org_id, ""),
                users.get(c.author_user_id, ""),
                own,
                given.get(c.id, []) if own else [grant] if grant else [],
                [
                    DocumentRef(d["title"], d["reference"])
                    for d in payload.get("documents", [])
                ],
            )
        )
    corrections: dict[int, list[int]] = {}
    for m in minutes:
        if m.corrects_id is not None:
            corrections.setdefault(m.corrects_id, []).append(m.id)
    for meeting in meetings:
        view.meetings.append(
            MeetingView(
                meeting,
                _decrypt(keys, meeting.title_enc)["text"],
                [
                    AgendaItemView(a, _decrypt(keys, a.text_enc)["text"])
                    for a in agenda
                    if a.meeting_id == meeting.id
                ],
                [
                    MinuteView(
                        m,
                        _decrypt(keys, m.text_enc)["text"],
                        users.get(m.actor_user_id, ""),
                        corrections.get(m.id, []),
                    )
                    for m in minutes
                    if m.meeting_id == meeting.id
                ],
            )
        )
    for d in decisions:
        payload = _decrypt(keys, d.text_enc)
        view.decisions.append(
            DecisionView(
                d, payload["text"], payload["reason"], users.get(d.actor_user_id, "")
            )
        )
    today = utcnow().date().isoformat()
    for a in actions:
        view.actions.append(
            ActionView(
                a,
                _decrypt(keys, a.text_enc)["text"],
                users.get(a.owner_user_id, ""),
                a.status == "open" and a.deadline < today and not view.closed,
            )
        )
    if case.outcome_reason_enc:
        view.outcome_reason = _decrypt(keys, case.outcome_reason_enc)["text"]
    return view


def contribution_view(
    session: Session, actor: Actor, keys: KeyMaterial, row: CaseContribution
) -> ContributionView:
    """An own contribution (just added) with the gate's decision per participant."""
    if row.org_id != actor.org_id:
        raise NotPermitted("Alleen een eigen bijdrage.")
    grants = list(
        session.scalars(
            select(CaseContributionGrant)
            .where(
                CaseContributionGrant.contribution_id == row.id,
                CaseContributionGrant.sender_org_id == actor.org_id,
            )
            .order_by(CaseContributionGrant.id)
        )
    )
    payload = _decrypt(keys, row.text_enc)
    return ContributionView(
        row,
        payload["text"],
        actor.organisation_name,
        _user_names(session, {row.author_user_id}).get(row.author_user_id, ""),
        True,
        grants,
        [DocumentRef(d["title"], d["reference"]) for d in payload.get("documents", [])],
    )


def decision_view(
    session: Session, keys: KeyMaterial, row: CaseDecision
) -> DecisionView:
    payload = _decrypt(keys, row.text_enc)
    actor = _user_names(session, {row.actor_user_id}).get(row.actor_user_id, "")
    return DecisionView(row, payload["text"], payload["reason"], actor)


def action_view(session: Session, keys: KeyMaterial, row: CaseAction) -> ActionView:
    case = _case(session, row.case_id)
    today = utcnow().date().isoformat()
    return ActionView(
        row,
        _decrypt(keys, row.text_enc)["text"],
        _user_names(session, {row.owner_user_id}).get(row.owner_user_id, ""),
        row.status == "open" and row.deadline < today and case.status != CLOSED,
    )


def invitable(session: Session, actor: Actor, view: CaseView) -> list[Organisation]:
    """Organisations the frame allows that are not yet in the case."""
    taken = {o.id for _, o in view.participants}
    allowed = {t.value for t in view.frame.org_types}
    return [
        o
        for o in session.scalars(select(Organisation).order_by(Organisation.name))
        if o.id not in taken and o.org_type in allowed
    ]


def nameable(session: Session, actor: Actor, view: CaseView) -> list[User]:
    """Professionals of the caller's organisation not yet named in the case."""
    taken = {m.row.user_id for m in view.members}
    users = session.scalars(
        select(User)
        .where(User.org_id == actor.org_id, User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    return [
        u
        for u in users
        if u.id not in taken
        and Role.PROFESSIONAL.value in u.roles
        and Role.COORDINATOR.value not in u.roles
    ]


def action_owners(session: Session, view: CaseView) -> list[tuple[int, str]]:
    """Who can own an action: whoever sees the case's content."""
    eligible = _eligible_owners(session, view.case.id)
    orgs = {o.id: o.name for _, o in view.participants}
    users = session.scalars(
        select(User)
        .where(User.id.in_(eligible))
        .order_by(User.org_id, User.display_name)
    ).all()
    return [(u.id, f"{u.display_name} ({orgs.get(u.org_id, '')})") for u in users]


def sources(session: Session, actor: Actor) -> tuple[list[Signal], list[MatchAlert]]:
    """The caller's own submitted signals and match alerts, to open a case from."""
    signals = [
        s
        for s in signal_service.list_own(session, actor)
        if s.status == signal_service.SUBMITTED
    ]
    alerts = list(
        session.scalars(
            select(MatchAlert)
            .where(MatchAlert.org_id == actor.org_id)
            .order_by(MatchAlert.id.desc())
            .limit(200)
        )
    )
    return signals, alerts
