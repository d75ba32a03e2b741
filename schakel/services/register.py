"""The register of processing activities (AVG art. 30) of one organisation.

Generated, not typed in: the sharing activities come from the rule base (for the
organisation's type as sender, every purpose, recipient, data category and subject
the rules allow, with the grounds and citations they rely on) and from the flows
that actually happened (saved share-check reasonings, and the shares the gate made).
activities, the retention policies and the security measures are package data
(``schakel/audit/register.yaml``, ``retention_policies.yaml``).

Every activity has a stable id and a URI, which the Logboek Dataverwerkingen export
puts in ``dpl.core.processing_activity_id`` so that each log line points here.
"""

import csv
import io
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from schakel.audit import (
    AuditRecord,
    RetentionPolicy,
    register_base,
    retention_policies,
)
from schakel.clock import utcnow
from schakel.errors import NotPermitted
from schakel.reports import Facts, Paragraph, Section, Table
from schakel.reports import Report as Document
from schakel.rules import Decision, Question, check, load_ruleset
from schakel.services.actor import Actor
from schakel.store import audit_log
from schakel.store.models import Organisation, Share, ShareDecision
from schakel.vocabulary import (
    DataCategory,
    OrgType,
    Purpose,
    Role,
    SubjectRole,
    label,
)

URI_PREFIX = "urn:schakel:verwerkingsregister"
SHARE_ACTIVITY_PREFIX = "delen-"
#: Retention policies that apply to shared records (shown on sharing activities).
SHARE_RETENTION = ("soft_signal_no_follow_up", "police_data")
_PERMITTED = (Decision.ALLOWED, Decision.ALLOWED_WITH_CONDITIONS)


@dataclass(frozen=True)
class GroundView:
    citation: str
    text_nl: str


@dataclass(frozen=True)
class RetentionView:
    id: str
    record_type_nl: str
    regime: str
    period_nl: str
    citation: str

    @classmethod
    def of(cls, policy: RetentionPolicy) -> "RetentionView":
        return cls(
            policy.id,
            policy.record_type_nl,
            policy.regime,
            policy.period_nl,
            policy.citation,
        )


@dataclass(frozen=True)
class FlowView:
    """Share-check reasonings actually recorded: recipient, decision, how often."""

    recipient_nl: str
    decision: str
    decision_nl: str
    count: int


@dataclass(frozen=True)
class Activity:
    id: str
    uri: str
    name_nl: str
    purpose_nl: str
    grounds: list[GroundView]
    data_categories_nl: list[str]
    subjects_nl: list[str]
    recipients_nl: list[str]
    retention: list[RetentionView]
    source_nl: str
    flows: list[FlowView] = field(default_factory=list)
    #: Shares this organisation actually made through the gate, per recipient type.
    deliveries: list[FlowView] = field(default_factory=list)

    @property
    def recorded(self) -> int:
        return sum(f.count for f in self.flows)

    @property
    def delivered(self) -> int:
        return sum(f.count for f in self.deliveries)


@dataclass(frozen=True)
class ProcessingRegister:
    organisation: str
    org_type_nl: str
    generated_at: str
    ruleset_version: str
    register_version: int
    activities: list[Activity]
    retention: list[RetentionView]
    security_measures: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def activity_uri(org_id: int | None, activity_id: str) -> str:
    """Stable URI of an activity in an organisation's register (versioned).

    >>> activity_uri(3, "delen-care")
    'urn:schakel:verwerkingsregister:org-3:delen-care:v2'
    """
    owner = "platform" if org_id is None else f"org-{org_id}"
    return f"{URI_PREFIX}:{owner}:{activity_id}:v{register_base().version}"


def activity_id_for(record: AuditRecord) -> str:
    """Which activity an audit entry belongs to.

    A share of data (``share.*`` with a purpose) belongs to the sharing activity of
    that purpose; everything else to a platform activity by action prefix.
    """
    purpose = (record.detail or {}).get("purpose")
    if record.action.startswith("share.") and purpose in set(Purpose):
        return f"{SHARE_ACTIVITY_PREFIX}{purpose}"
    return register_base().activity_for_action(record.action)


@dataclass(frozen=True)
class _Permitted:
    grounds: tuple[GroundView, ...]
    data: frozenset[DataCategory]
    subjects: frozenset[SubjectRole]
    recipients: frozenset[OrgType]


@cache
def _permitted(sender: OrgType, purpose: Purpose, ruleset_version: str) -> _Permitted:
    """Everything the rule base allows ``sender`` to share for ``purpose``.

    Asks the share check itself for every recipient, category and subject, so the
    register can never claim a ground the share check would not give.
    """
    grounds: dict[str, GroundView] = {}
    data: set[DataCategory] = set()
    subjects: set[SubjectRole] = set()
    recipients: set[OrgType] = set()
    for recipient in OrgType:
        for category in DataCategory:
            for subject in SubjectRole:
                answer = check(
                    Question(
                        sender=sender,
                        recipient=recipient,
                        purpose=purpose,
                        data=[category],
                        subject=subject,
                    )
                )
                if answer.decision not in _PERMITTED:
                    continue
                for ground in answer.grounds:
                    grounds.setdefault(
                        ground.id, GroundView(ground.citation, ground.text_nl.strip())
                    )
                data.add(category)
                subjects.add(subject)
                recipients.add(recipient)
    return _Permitted(
        tuple(sorted(grounds.values(), key=lambda g: g.citation)),
        frozenset(data),
        frozenset(subjects),
        frozenset(recipients),
    )


def _flows(session: Session) -> dict[str, Counter[tuple[str, str]]]:
    """Saved reasonings of the session's organisation, per purpose."""
    by_purpose: dict[str, Counter[tuple[str, str]]] = {}
    rows = session.execute(select(ShareDecision.question, ShareDecision.decision))
    for question, decision in rows:
        purpose = str((question or {}).get("purpose", ""))
        recipient = str((question or {}).get("recipient", ""))
        by_purpose.setdefault(purpose, Counter())[(recipient, str(decision))] += 1
    return by_purpose


def _deliveries(session: Session, org_id: int) -> dict[str, Counter[tuple[str, str]]]:
    """Shares the organisation made through the gate (erased ones too: the flow
    happened), per purpose, by recipient type and decision."""
    by_purpose: dict[str, Counter[tuple[str, str]]] = {}
    rows = session.execute(
        select(Share.purpose, Organisation.org_type, Share.decision)
        .join(Organisation, Organisation.id == Share.org_id)
        .where(Share.sender_org_id == org_id)
    )
    for purpose, recipient, decision in rows:
        by_purpose.setdefault(str(purpose), Counter())[
            (str(recipient), str(decision))
        ] += 1
    return by_purpose


def _flow_views(counted: Counter[tuple[str, str]]) -> list[FlowView]:
    return [
        FlowView(_org_label(recipient), decision, _decision_label(decision), count)
        for (recipient, decision), count in sorted(counted.items())
    ]


def _org_label(value: str) -> str:
    try:
        return label(OrgType(value))
    except ValueError:
        return value


def _decision_label(value: str) -> str:
    texts = load_ruleset().decisions_nl
    try:
        return texts[Decision(value)]
    except (ValueError, KeyError):
        return value


def _share_activities(
    org_id: int,
    org_type: OrgType,
    flows: dict[str, Counter[tuple[str, str]]],
    deliveries: dict[str, Counter[tuple[str, str]]],
) -> list[Activity]:
    ruleset = load_ruleset()
    policies = retention_policies()
    retention = [RetentionView.of(policies.get(p)) for p in SHARE_RETENTION]
    activities = []
    for purpose in Purpose:
        permitted = _permitted(org_type, purpose, ruleset.version)
        recorded = flows.get(purpose.value, Counter())
        delivered = deliveries.get(purpose.value, Counter())
        if not permitted.grounds and not recorded and not delivered:
            continue
        activity_id = f"{SHARE_ACTIVITY_PREFIX}{purpose.value}"
        activities.append(
            Activity(
                id=activity_id,
                uri=activity_uri(org_id, activity_id),
                name_nl=f"Delen van gegevens voor {label(purpose)}",
                purpose_nl=(
                    f"Gegevens over (mogelijke) mensenhandel delen met partners "
                    f"voor {label(purpose)}, als de regelbasis dat toestaat."
                ),
                grounds=list(permitted.grounds),
                data_categories_nl=[
                    label(c) for c in DataCategory if c in permitted.data
                ],
                subjects_nl=[label(s) for s in SubjectRole if s in permitted.subjects],
                recipients_nl=[label(r) for r in OrgType if r in permitted.recipients],
                retention=retention,
                source_nl=f"regelbasis {ruleset.version}",
                flows=_flow_views(recorded),
                deliveries=_flow_views(delivered),
            )
        )
    return activities


def _platform_activities(org_id: int) -> list[Activity]:
    base = register_base()
    policies = retention_policies()
    return [
        Activity(
            id=a.id,
            uri=activity_uri(org_id, a.id),
            name_nl=a.name_nl,
            purpose_nl=a.purpose_nl.strip(),
            grounds=[GroundView(g.citation, g.text_nl) for g in a.grounds],
            data_categories_nl=list(a.data_categories_nl),
            subjects_nl=list(a.subjects_nl),
            recipients_nl=list(a.recipients_nl),
            retention=[RetentionView.of(policies.get(a.retention))],
            source_nl=f"platform (register.yaml versie {base.version})",
        )
        for a in base.platform_activities
    ]


def build(session: Session, actor: Actor) -> ProcessingRegister:
    """The register of the actor's own organisation, as of now.

    Only privacy officers and administrators may see it; every view is audited.
    """
    if not actor.has(Role.PRIVACY_OFFICER, Role.ADMIN):
        raise NotPermitted(
            "Alleen de privacyfunctionaris en beheerders zien het verwerkingsregister."
        )
    activities = _share_activities(
        actor.org_id,
        actor.org_type,
        _flows(session),
        _deliveries(session, actor.org_id),
    )
    activities += _platform_activities(actor.org_id)
    ruleset = load_ruleset()
    audit_log.append(
        session,
        "register.view",
        actor_user_id=actor.user_id,
        org_id=actor.org_id,
        object_type="register",
        object_ref=actor.org_id,
        ruleset_version=ruleset.version,
    )
    return ProcessingRegister(
        organisation=actor.organisation_name,
        org_type_nl=label(actor.org_type),
        generated_at=utcnow().isoformat(timespec="seconds"),
        ruleset_version=ruleset.version,
        register_version=register_base().version,
        activities=activities,
        retention=[RetentionView.of(p) for p in retention_policies().policies],
        security_measures=[m.text_nl for m in register_base().security_measures],
    )


CSV_COLUMNS = (
    "activiteit",
    "uri",
    "naam",
    "doel",
    "grondslagen",
    "categorieen_persoonsgegevens",
    "categorieen_betrokkenen",
    "ontvangers",
    "bewaartermijnen",
    "verantwoordingen_vastgelegd",
    "gedeeld_via_de_poort",
    "bron",
)


def to_csv(register: ProcessingRegister) -> str:
    """One row per activity; lists joined with ``"; "`` (UTF-8, comma-separated)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for a in register.activities:
        writer.writerow(
            [
                a.id,
                a.uri,
                a.name_nl,
                a.purpose_nl,
                "; ".join(f"{g.citation}: {g.text_nl}" for g in a.grounds),
                "; ".join(a.data_categories_nl),
                "; ".join(a.subjects_nl),
                "; ".join(a.recipients_nl),
                "; ".join(
                    f"{r.record_type_nl}: {r.period_nl} ({r.citation})"
                    for r in a.retention
                ),
                a.recorded,
                a.delivered,
                a.source_nl,
            ]
        )
    return out.getvalue()


def to_document(register: ProcessingRegister) -> Document:
    """The register as a printable document (PDF via :mod:`schakel.reports`)."""
    sections = [
        Section(
            a.name_nl,
            (
                Facts(
                    (
                        ("Activiteit", a.uri),
                        ("Doel", a.purpose_nl),
                        (
                            "Grondslagen",
                            "\n".join(f"{g.citation}: {g.text_nl}" for g in a.grounds),
                        ),
                        (
                            "Categorieën persoonsgegevens",
                            ", ".join(a.data_categories_nl),
                        ),
                        ("Categorieën betrokkenen", ", ".join(a.subjects_nl)),
                        ("Ontvangers", ", ".join(a.recipients_nl)),
                        (
                            "Bewaartermijn",
                            "\n".join(
                                f"{r.record_type_nl}: {r.period_nl} ({r.citation})"
                                for r in a.retention
                            ),
                        ),
                        ("Bron", a.source_nl),
                    )
                ),
                *(
                    (
                        Table(
                            ("Ontvanger", "Uitkomst", "Aantal"),
                            [
                                (f.recipient_nl, f.decision_nl, str(f.count))
                                for f in a.flows
                            ],
                            widths=(4, 4, 1),
                        ),
                    )
                    if a.flows
                    else ()
                ),
                *(
                    (
                        Table(
                            ("Gedeeld met", "Besluit", "Aantal"),
                            [
                                (f.recipient_nl, f.decision_nl, str(f.count))
                                for f in a.deliveries
                            ],
                            widths=(4, 4, 1),
                        ),
                    )
                    if a.deliveries
                    else ()
                ),
            ),
        )
        for a in register.activities
    ]
    sections.append(
        Section(
            "Bewaartermijnen per soort gegeven en wettelijk regime",
            (
                Table(
                    ("Soort gegeven", "Regime", "Termijn", "Bron"),
                    [
                        (r.record_type_nl, r.regime, r.period_nl, r.citation)
                        for r in register.retention
                    ],
                    widths=(4, 2, 3, 4),
                ),
            ),
        )
    )
    sections.append(
        Section(
            "Beveiligingsmaatregelen",
            tuple(Paragraph(f"• {m}") for m in register.security_measures),
        )
    )
    return Document(
        title="Register van verwerkingsactiviteiten (AVG art. 30)",
        subtitle=(
            f"{register.organisation} ({register.org_type_nl}) · regelset "
            f"{register.ruleset_version} · register versie {register.register_version}"
        ),
        generated_at=datetime.fromisoformat(register.generated_at),
        sections=tuple(sections),
    )
