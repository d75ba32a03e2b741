"""Appending to and reading the audit chain in the database.

One writer at a time extends the chain: SQLite transactions begin IMMEDIATE and
PostgreSQL takes a transaction-scoped advisory lock, so the head read here is still
the head when the new entry is written in the same transaction.
"""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from schakel.audit import (
    GENESIS_HASH,
    AuditRecord,
    ChainBreak,
    entry_hash,
    verify_chain,
)
from schakel.clock import utcnow
from schakel.store.models import AuditEntry

_AUDIT_LOCK_KEY = 7_304_221_001


def append(
    session: Session,
    action: str,
    *,
    actor_user_id: int | None = None,
    org_id: int | None = None,
    object_type: str | None = None,
    object_ref: str | int | None = None,
    ruleset_version: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry at the head of the chain, inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY}
        )
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    record = AuditRecord(
        seq=seq,
        at=utcnow().isoformat(timespec="microseconds"),
        action=action,
        actor_user_id=actor_user_id,
        org_id=org_id,
        object_type=object_type,
        object_ref=None if object_ref is None else str(object_ref),
        ruleset_version=ruleset_version,
        detail=detail or {},
        prev_hash=prev,
    )
    row = AuditEntry(**record.body(), hash=entry_hash(record))
    session.add(row)
    session.flush()
    return row


def to_record(row: AuditEntry) -> AuditRecord:
    return AuditRecord(
        seq=row.seq,
        at=row.at,
        action=row.action,
        actor_user_id=row.actor_user_id,
        org_id=row.org_id,
        object_type=row.object_type,
        object_ref=row.object_ref,
        ruleset_version=row.ruleset_version,
        detail=dict(row.detail or {}),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def iter_records(session: Session, batch: int = 5000) -> Iterator[AuditRecord]:
    """All entries in chain order, streamed in batches."""
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > last)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield to_record(row)
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session) -> tuple[int, ChainBreak | None]:
    """Verify the whole chain; returns (entries checked, first break or None)."""
    count = 0

    def counted() -> Iterator[AuditRecord]:
        nonlocal count
        for record in iter_records(session):
            count += 1
            yield record

    result = verify_chain(counted())
    return count, result


def entries_for_org(
    session: Session, org_id: int, limit: int = 100
) -> list[AuditEntry]:
    """The latest entries an organisation caused (its own audit view)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.org_id == org_id)
            .order_by(AuditEntry.seq.desc())
            .limit(limit)
        )
    )
