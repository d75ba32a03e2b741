"""SQLAlchemy 2 typed models. Tables change only through Alembic migrations.

``TenantOwned`` tables carry ``org_id``; a session bound to an organisation only ever
sees its own rows (see :mod:`schakel.store.tenancy`), and PostgreSQL enforces the
same with row-level security.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from schakel.clock import utcnow


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class TenantOwned:
    """Mixin: rows belong to one organisation and are filtered by it."""

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    org_type: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(40))
    municipality: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="users")


class WebSession(Base):
    """Server-side session: the cookie holds a random token, the row its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    totp_passed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class ApiToken(Base):
    """A machine client's bearer token, stored only as its SHA-256 hash."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Append-only, hash-chained. Holds references, never personal data."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60), index=True)
    actor_user_id: Mapped[int | None]
    org_id: Mapped[int | None] = mapped_column(index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_ref: Mapped[str | None] = mapped_column(String(100))
    ruleset_version: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ShareDecision(TenantOwned, Base):
    """A saved share-check reasoning (verantwoording). Holds categories, not persons."""

    __tablename__ = "share_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    question: Mapped[dict[str, Any]]
    answer: Mapped[dict[str, Any]]
    decision: Mapped[str] = mapped_column(String(40))
    ruleset_version: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_share_decisions_org_created", ShareDecision.org_id, ShareDecision.created_at)


class SharedBetween:
    """Mixin: rows visible to their recipient (``org_id``) and their sender."""

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    sender_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )


class Signal(TenantOwned, Base):
    """A signal (aanmeldformulier). Identifying content is one encrypted blob; the
    columns in the clear are vocabulary values needed for routing and statistics."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(30))
    observed_on: Mapped[str | None] = mapped_column(String(10))
    municipality: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(40))
    forms: Mapped[list[Any]] = mapped_column(default=list)
    indicators: Mapped[list[Any]] = mapped_column(default=list)
    urgency: Mapped[str] = mapped_column(String(10))
    content_enc: Mapped[str] = mapped_column(Text)
    consent_status: Mapped[str] = mapped_column(String(20))
    consent_recipient: Mapped[str | None] = mapped_column(String(40))
    consent_purpose: Mapped[str | None] = mapped_column(String(40))
    consent_revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    #: Set when the personal data were erased (request or retention); the row stays
    #: as a tombstone holding vocabulary values only.
    erased_at: Mapped[datetime | None]
    #: A legal hold (ground id from ``services/rights_grounds.yaml``): no erasure and
    #: no retention while set.
    hold_ground: Mapped[str | None] = mapped_column(String(60))


class SignalToken(TenantOwned, Base):
    """Keyed match tokens of a signal's identifiers (never the identifiers)."""

    __tablename__ = "signal_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(120), index=True)


class Share(SharedBetween, Base):
    """A delivery of (part of) a signal to another organisation. Written only by
    :mod:`schakel.services.gate`."""

    __tablename__ = "shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), index=True)
    sender_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(String(30))
    decision: Mapped[str] = mapped_column(String(40))
    ruleset_version: Mapped[str] = mapped_column(String(80))
    answer: Mapped[dict[str, Any]]
    categories: Mapped[list[Any]] = mapped_column(default=list)
    anonymised: Mapped[bool] = mapped_column(default=False)
    consent_based: Mapped[bool] = mapped_column(default=False)
    consent_revoked: Mapped[bool] = mapped_column(default=False)
    payload_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(40), default="ontvangen")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the payload was replaced by a tombstone (erasure or retention).
    erased_at: Mapped[datetime | None]
    #: Set when the sender corrected the data (AVG art. 16/19): the recipient is told.
    rectified_at: Mapped[datetime | None]


class PersonEncoding(TenantOwned, Base):
    """Keyed Bloom-filter encodings of a person in a signal (no plaintext)."""

    __tablename__ = "person_encodings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Keyed token of the birth year: candidates are compared only within a block.
    block: Mapped[str | None] = mapped_column(String(120), index=True)
    signal_id: Mapped[int] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE"), index=True
    )
    encoding: Mapped[dict[str, Any]]


class MatchAlert(TenantOwned, Base):
    """ "Someone else knows this": a hit between the own signal and another
    organisation's. Holds references only; the other signal is never shown."""

    __tablename__ = "match_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE"), index=True
    )
    other_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    other_signal_id: Mapped[int] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE")
    )
    other_contact_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(default=1.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MatchJob(TenantOwned, Base):
    """A submitted signal waiting for hit/no-hit matching (the durable queue).

    Written in the same transaction as the submission, so a committed signal always
    has either its job or its finished matching; the worker deletes the job in the
    transaction that writes the alerts. Holds references only.
    """

    __tablename__ = "match_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    #: The error class of the last failed attempt (never a message with data).
    last_error: Mapped[str | None] = mapped_column(String(100))


class CarouselAlert(TenantOwned, Base):
    """The same identifier in signals from several municipalities (analysts only)."""

    __tablename__ = "carousel_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    municipalities: Mapped[list[Any]] = mapped_column(default=list)
    regions: Mapped[list[Any]] = mapped_column(default=list)
    signal_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScreeningBatch(TenantOwned, Base):
    """One uploaded file of records screened for trafficking signals.

    Holds counts and line problems (line numbers and reasons), never record texts;
    the flagged records live on as :class:`ScreeningHit` rows.
    """

    __tablename__ = "screening_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    input_format: Mapped[str] = mapped_column(String(10))
    lexicon_version: Mapped[str] = mapped_column(String(40))
    lines_read: Mapped[int] = mapped_column(default=0)
    screened: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScreeningHit(TenantOwned, Base):
    """A flagged record awaiting (or after) human review.

    Only excerpts around the matched spans are kept (``excerpts``: ``start`` offset
    into the original text and ``text``), not the whole record; ``indicators`` use
    offsets into the original text. The review is one decision, made once.
    """

    __tablename__ = "screening_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("screening_batches.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int]
    record_ref: Mapped[str] = mapped_column(String(200))
    score: Mapped[float]
    types: Mapped[list[Any]] = mapped_column(default=list)
    indicators: Mapped[list[Any]] = mapped_column(default=list)
    excerpts: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(40))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    #: The signal an accepted hit became (through the normal intake).
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("signals.id"))


Index(
    "ix_screening_batches_org_created",
    ScreeningBatch.org_id,
    ScreeningBatch.created_at,
)
Index("ix_screening_hits_batch_status", ScreeningHit.batch_id, ScreeningHit.status)


class AuditCheckpoint(Base):
    """A signed statement "entry ``seq`` had hash ``hash``"; never updated."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[str] = mapped_column(String(40))
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(128))


class SubjectAccessRequest(TenantOwned, Base):
    """A data subject's request for access (AVG art. 15), handled by the privacy
    officer of the organisation that received it. The identifying details searched
    for are encrypted (``subject_enc``); the report is built from the store on view."""

    __tablename__ = "subject_access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_on: Mapped[str] = mapped_column(String(10))
    deadline: Mapped[str] = mapped_column(String(10))
    extended_to: Mapped[str | None] = mapped_column(String(10))
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    subject_enc: Mapped[str] = mapped_column(Text)
    #: Recorded exemptions: ``{"item", "ground", "note", "user_id", "at"}``.
    exemptions: Mapped[list[Any]] = mapped_column(default=list)
    handled_at: Mapped[datetime | None]
    handled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasureRequest(TenantOwned, Base):
    """A request to erase one of the organisation's signals, and its decision.

    Requested and approved by privacy officers of the controlling organisation;
    holds references and ground ids, never the personal data it concerns."""

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), index=True)
    requested_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="aangevraagd")
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    refusal_ground: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: One month to decide (AVG art. 12 lid 3); empty on requests made before 0009.
    deadline: Mapped[str | None] = mapped_column(String(10))


class RectificationRequest(TenantOwned, Base):
    """A request to correct one field of one of the organisation's signals (AVG art.
    16), approved or refused by a privacy officer of the controlling organisation.

    The corrected value is stored encrypted (``value_enc``) only while the request is
    pending and dropped once it is decided; the old value is never stored. ``outcome``
    holds counts and organisation ids (who was told, AVG art. 19), not personal data.
    """

    __tablename__ = "rectification_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(60))
    value_enc: Mapped[str | None] = mapped_column(Text)
    #: The privacy officer's reason for a refusal, encrypted (it may name a person).
    refusal_enc: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="aangevraagd")
    requested_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    deadline: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseConference(TenantOwned, Base):
    """A case conference (casusoverleg), owned by the organisation that opened it.

    Partners reach it through their own :class:`CaseParticipant` row; the service
    reads the case elevated only after that check. Texts are encrypted; the clear
    columns hold vocabulary values and dates.
    """

    __tablename__ = "case_conferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    opened_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    frame: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="aangemeld")
    source_signal_id: Mapped[int | None] = mapped_column(ForeignKey("signals.id"))
    source_alert_id: Mapped[int | None]
    outcome: Mapped[str | None] = mapped_column(String(40))
    outcome_reason_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    #: When the texts expire (policy ``case_closed``, applied by retention.run).
    retention_until: Mapped[datetime | None]


class CaseParticipant(TenantOwned, Base):
    """An organisation's place in a case: ``invited`` until its coordinator accepts."""

    __tablename__ = "case_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_conferences.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    invited_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None]


class CaseContribution(TenantOwned, Base):
    """What one participant brought to the case (``org_id``: the contributor)."""

    __tablename__ = "case_contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_conferences.id"), index=True)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text_enc: Mapped[str] = mapped_column(Text)
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("signals.id"))
    identifying: Mapped[bool] = mapped_column(default=False)
    #: Facts for the share check, fixed when the contribution is made, so that a
    #: late joiner's grant is decided on the same facts without decrypting again.
    subject: Mapped[str] = mapped_column(String(30))
    subject_minor: Mapped[bool | None]
    professional_secrecy: Mapped[bool | None]
    serious_danger: Mapped[bool | None]
    categories: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseContributionGrant(SharedBetween, Base):
    """The share gate's decision whether participant ``org_id`` may see a
    contribution of ``sender_org_id``. Written only by :mod:`schakel.services.gate`."""

    __tablename__ = "case_contribution_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_conferences.id"), index=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("case_contributions.id"), index=True
    )
    visible: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[str] = mapped_column(String(40))
    ruleset_version: Mapped[str] = mapped_column(String(80))
    answer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseDecision(TenantOwned, Base):
    """An append-only decision of the meeting (``org_id``: the recorder's)."""

    __tablename__ = "case_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_conferences.id"), index=True)
    actor_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseAction(TenantOwned, Base):
    """An action-plan item (``org_id``: the owner's organisation)."""

    __tablename__ = "case_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_conferences.id"), index=True)
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text_enc: Mapped[str] = mapped_column(Text)
    deadline: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]


class CaseMember(TenantOwned, Base):
    """A named professional in a case (``org_id``: the professional's organisation).

    Need-to-know: inside a participating organisation only its coordinators and its
    accepted named professionals see the case; ``invited`` until the professional
    accepts.
    """

    __tablename__ = "case_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_conferences.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    invited_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]


class CaseMeeting(TenantOwned, Base):
    """A meeting of the case (``org_id``: the lead organisation); its agenda and
    minutes hang off it."""

    __tablename__ = "case_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_conferences.id"), index=True)
    held_on: Mapped[str] = mapped_column(String(10))
    title_enc: Mapped[str] = mapped_column(Text)
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseAgendaItem(TenantOwned, Base):
    """One agenda item of a meeting, in ``position`` order (``org_id``: the lead)."""

    __tablename__ = "case_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_conferences.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("case_meetings.id"), index=True)
    position: Mapped[int]
    text_enc: Mapped[str] = mapped_column(Text)
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseMinute(TenantOwned, Base):
    """An append-only minutes entry (``org_id``: the recorder's organisation); a
    correction is a new entry pointing at the one it corrects."""

    __tablename__ = "case_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_conferences.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("case_meetings.id"), index=True)
    actor_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text_enc: Mapped[str] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("case_minutes.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
