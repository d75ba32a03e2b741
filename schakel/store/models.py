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
