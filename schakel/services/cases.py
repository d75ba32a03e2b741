"""Case conferences (casusoverleg): from a signal or a match alert to a joint plan.

A coordinator opens a case under a frame (RIEC, Zorg- en Veiligheidshuis or ad hoc)
that fixes the purpose and which organisation types may take part. Invited
organisations accept through their own coordinator. Every contribution passes the
share gate once per other accepted participant (:func:`gate.grant_contribution`);
nobody sees a contribution without a visible grant, except its own organisation.
Decisions are append-only, actions have an owner and a deadline, and a closed case
is read-only with its outcome fed back to the reporters of linked signals.

Tenancy: each organisation reaches a case only through its own participant row
(a tenant-filtered read); the case itself and the other organisations' rows are then
read elevated, and reduced to what that participant may see.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from schakel.clock import utcnow
from schakel.errors import InvalidInput, NotFound, NotPermitted
from schakel.rules import load_ruleset
from schakel.services import gate
from schakel.services import signals as signal_service
from schakel.services.actor import Actor
from schakel.services.keys import KeyMaterial
from schakel.signals import categories_of, subject_of
from schakel.store import audit_log
from schakel.store.models import (
    CaseAction,
    CaseConference,
    CaseContribution,
    CaseContributionGrant,
    CaseDecision,
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
#: How long a closed case is kept; enforced by the accountability work.
RETENTION_YEARS = 2
NOT_FOUND = "Deze casus bestaat niet of uw organisatie neemt er niet aan deel."
READ_ONLY = "Deze casus is afgesloten en kan niet meer worden gewijzigd."


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
class ContributionView:
    row: CaseContribution
    text: str
    org_name: str
    author: str
    own: bool
    #: Own contribution: the gate's decision per participant; else the one for us.
    grants: list[CaseContributionGrant]


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


@dataclass
class CaseView:
    """A case as one participant may see it."""

    case: CaseConference
    membership: CaseParticipant
    frame: Frame
    participants: list[tuple[CaseParticipant, Organisation]]
    owner_name: str
    contributions: list[ContributionView] = field(default_factory=list)
    hidden: int = 0
    decisions: list[DecisionView] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)
    outcome_reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.membership.status == ACCEPTED

    @property
    def closed(self) -> bool:
        return self.case.status == CLOSED


# --- helpers -----------------------------------------------------------------------


def _encrypt(keys: KeyMaterial, value: dict[str, str]) -> str:
    return keys.keyring.encrypt_json(value, TEXT_CONTEXT)


def _decrypt(keys: KeyMaterial, stored: str) -> dict[str, str]:
    value: dict[str, str] = keys.keyring.decrypt_json(stored, TEXT_CONTEXT)
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
    """The caller's own participant row (tenant-filtered), or 404."""
    row = session.scalars(
        select(CaseParticipant).where(
            CaseParticipant.case_id == case_id,
            CaseParticipant.org_id == actor.org_id,
        )
    ).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def _case(session: Session, case_id: int) -> CaseConference:
    with _cross(session):
        case = session.get(CaseConference, case_id)
    if case is None:
        raise NotFound(NOT_FOUND)
    return case


def _accepted(session: Session, actor: Actor, case_id: int) -> CaseConference:
    membership = _membership(session, actor, case_id)
    if membership.status != ACCEPTED:
        raise NotPermitted(
            "Uw organisatie is uitgenodigd maar heeft nog niet geaccepteerd."
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
    _membership(session, actor, case_id)
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
    membership = _membership(session, actor, case_id)
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


def set_status(session: Session, actor: Actor, case_id: int, status: str) -> None:
    _membership(session, actor, case_id)
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
) -> CaseContribution:
    """Add a contribution; the gate decides per other accepted participant."""
    _require(actor, Role.PROFESSIONAL, Role.COORDINATOR)
    case = _accepted(session, actor, case_id)
    _open(case)
    body = _text(text, "bijdrage")
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
        text_enc=_encrypt(keys, {"text": body}),
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
        {"contribution_id": contribution.id, "categories": contribution.categories},
    )
    with _cross(session):
        for participant, org in _participants(session, case_id):
            if participant.status == ACCEPTED and org.id != actor.org_id:
                gate.grant_contribution(session, actor, contribution, case, org)
    return contribution


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


def add_action(
    session: Session,
    actor: Actor,
    keys: KeyMaterial,
    case_id: int,
    text: str,
    owner_user_id: int | None,
    deadline: dt.date | None,
) -> CaseAction:
    """Add an action-plan item with an owner from a participating organisation."""
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
    accepted = {
        o.id for p, o in _participants(session, case_id) if p.status == ACCEPTED
    }
    if owner is None or not owner.active or owner.org_id not in accepted:
        raise InvalidInput(
            "eigenaar: kies een medewerker van een deelnemende organisatie."
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


def complete_action(session: Session, actor: Actor, action_id: int) -> CaseAction:
    """The owner marks an own action done (a tenant-filtered read: own org only)."""
    row = session.scalars(
        select(CaseAction).where(
            CaseAction.id == action_id, CaseAction.org_id == actor.org_id
        )
    ).first()
    if row is None:
        raise NotFound("Deze actie bestaat niet of is niet van uw organisatie.")
    if row.owner_user_id != actor.user_id:
        raise NotPermitted("Alleen de eigenaar kan een actie afronden.")
    case = _case(session, row.case_id)
    _open(case)
    row.status = "done"
    row.done_at = utcnow()
    session.flush()
    _audit(session, actor, "case.action_done", row.case_id, {"action_id": row.id})
    return row


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


def _plus_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def close(
    session: Session,
    actor: Actor,
    keys: KeyMaterial,
    case_id: int,
    outcome: str,
    reason: str,
) -> CaseConference:
    """Close with an outcome; the case becomes read-only and its retention starts."""
    _membership(session, actor, case_id)
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
        case.retention_until = _plus_years(now, RETENTION_YEARS)
        session.flush()
    _audit(session, actor, "case.close", case_id, {"outcome": outcome})
    return case


def outcomes_for_signal(
    session: Session, actor: Actor, signal_id: int
) -> list[tuple[int, str]]:
    """Closed cases that linked this (own) signal, with their outcome: the
    reporter's feedback."""
    case_ids = set(
        session.scalars(
            select(CaseConference.id).where(
                CaseConference.source_signal_id == signal_id,
                CaseConference.org_id == actor.org_id,
            )
        )
    )
    case_ids |= set(
        session.scalars(
            select(CaseContribution.case_id).where(
                CaseContribution.signal_id == signal_id,
                CaseContribution.org_id == actor.org_id,
            )
        )
    )
    if not case_ids:
        return []
    with _cross(session):
        cases = session.scalars(
            select(CaseConference)
            .where(CaseConference.id.in_(case_ids), CaseConference.status == CLOSED)
            .order_by(CaseConference.id)
        ).all()
    return [(c.id, OUTCOMES.get(c.outcome or "", c.outcome or "")) for c in cases]


# --- reading -----------------------------------------------------------------------


def list_for(
    session: Session, actor: Actor
) -> list[tuple[CaseConference, CaseParticipant]]:
    """Cases the caller's organisation takes part in or is invited to."""
    memberships = session.scalars(
        select(CaseParticipant)
        .where(CaseParticipant.org_id == actor.org_id)
        .order_by(CaseParticipant.case_id.desc())
    ).all()
    by_case = {m.case_id: m for m in memberships}
    if not by_case:
        return []
    with _cross(session):
        cases = session.scalars(
            select(CaseConference)
            .where(CaseConference.id.in_(by_case))
            .order_by(CaseConference.id.desc())
        ).all()
    return [(c, by_case[c.id]) for c in cases]


def get(session: Session, actor: Actor, case_id: int, keys: KeyMaterial) -> CaseView:
    """The case as the caller's organisation may see it (audited as a view).

    An invited organisation sees only the invitation; an accepted one sees its own
    contributions, those the gate made visible to it, decisions and actions.
    """
    membership = _membership(session, actor, case_id)
    case = _case(session, case_id)
    participants = _participants(session, case_id)
    owner_name = next((o.name for _, o in participants if o.id == case.org_id), "")
    view = CaseView(
        case,
        membership,
        frames()[Covenant(case.frame)],
        participants,
        owner_name,
    )
    _audit(session, actor, "case.view", case_id)
    if membership.status != ACCEPTED:
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
        contributions = session.scalars(
            select(CaseContribution)
            .where(CaseContribution.case_id == case_id)
            .order_by(CaseContribution.id)
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
        | {d.actor_user_id for d in decisions}
        | {a.owner_user_id for a in actions},
    )
    for c in contributions:
        own = c.org_id == actor.org_id
        grant = mine.get(c.id)
        if not own and (grant is None or not grant.visible):
            view.hidden += 1
            continue
        view.contributions.append(
            ContributionView(
                c,
                _decrypt(keys, c.text_enc)["text"],
                names.get(c.org_id, ""),
                users.get(c.author_user_id, ""),
                own,
                given.get(c.id, []) if own else [grant] if grant else [],
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


def invitable(session: Session, actor: Actor, view: CaseView) -> list[Organisation]:
    """Organisations the frame allows that are not yet in the case."""
    taken = {o.id for _, o in view.participants}
    allowed = {t.value for t in view.frame.org_types}
    return [
        o
        for o in session.scalars(select(Organisation).order_by(Organisation.name))
        if o.id not in taken and o.org_type in allowed
    ]


def action_owners(session: Session, view: CaseView) -> list[tuple[int, str]]:
    """Active users of accepted participant organisations who do casework."""
    orgs = {o.id: o.name for p, o in view.participants if p.status == ACCEPTED}
    users = session.scalars(
        select(User)
        .where(User.org_id.in_(orgs), User.active.is_(True))
        .order_by(User.org_id, User.display_name)
    ).all()
    work = {Role.PROFESSIONAL.value, Role.COORDINATOR.value}
    return [
        (u.id, f"{u.display_name} ({orgs[u.org_id]})")
        for u in users
        if work.intersection(u.roles)
    ]


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
