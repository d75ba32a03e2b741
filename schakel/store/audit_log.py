"""Appending to and reading the audit chain in the database.

One writer at a time extends the chain: SQLite transactions begin IMMEDIATE and
PostgreSQL takes a transaction-scoped advisory lock, so the head read here is still
the head when the new entry is written in the same transaction.

Signed checkpoints: when a session carries a :class:`CheckpointPolicy` (set once on
the session factory with :func:`enable_checkpoints`), every append checks whether
the last checkpoint is ``every`` entries behind or older than a day, and if so signs
the new head in the same transaction. Without a policy nothing is signed, and
``schakel audit verify`` reports the unsigned tail.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from schakel.audit import (
    GENESIS_HASH,
    AuditRecord,
    ChainBreak,
    Checkpoint,
    entry_hash,
    sign_checkpoint,
    signing_key_from_seed,
    verify_chain,
    verify_checkpoints,
)
from schakel.clock import utcnow
from schakel.store.models import AuditCheckpoint, AuditEntry

_AUDIT_LOCK_KEY = 7_304_221_001
_POLICY_INFO_KEY = "schakel.audit_checkpoint_policy"
DEFAULT_CHECKPOINT_EVERY = 1000
MAX_CHECKPOINT_AGE = timedelta(hours=24)


@dataclass(frozen=True)
class CheckpointPolicy:
    """Which key signs, and how often: every ``every`` entries, within ``max_age``."""

    key: Ed25519PrivateKey
    every: int = DEFAULT_CHECKPOINT_EVERY
    max_age: timedelta = MAX_CHECKPOINT_AGE

    @classmethod
    def from_seed(
        cls, seed_b64: str, every: int = DEFAULT_CHECKPOINT_EVERY
    ) -> "CheckpointPolicy":
        return cls(signing_key_from_seed(seed_b64), every=every)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()


def enable_checkpoints(
    factory: "sessionmaker[Session]", policy: CheckpointPolicy
) -> None:
    """Every session from ``factory`` signs checkpoints under ``policy``."""
    info = dict(factory.kw.get("info") or {})
    info[_POLICY_INFO_KEY] = policy
    factory.configure(info=info)


def set_checkpoint_policy(session: Session, policy: CheckpointPolicy | None) -> None:
    """Per-session variant of :func:`enable_checkpoints` (``None`` switches off)."""
    if policy is None:
        session.info.pop(_POLICY_INFO_KEY, None)
    else:
        session.info[_POLICY_INFO_KEY] = policy


def checkpoint_policy(session: Session) -> CheckpointPolicy | None:
    policy = session.info.get(_POLICY_INFO_KEY)
    return policy if isinstance(policy, CheckpointPolicy) else None


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY}
        )


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
    """Add one entry at the head of the chain, inside the caller's transaction.

    Signs a checkpoint at the new entry when the session's policy says one is due.
    """
    _lock(session)
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
    policy = checkpoint_policy(session)
    if policy is not None and _checkpoint_due(session, policy, row.seq):
        _sign(session, policy, row.seq, row.hash)
    return row


def _last_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).first()


def _checkpoint_due(session: Session, policy: CheckpointPolicy, seq: int) -> bool:
    """Due when ``every`` entries are unsigned or the last signature is a day old.

    With no checkpoint yet, the chain's first entry starts the clock.
    """
    last = _last_checkpoint(session)
    if last is not None:
        base_seq, base_at = last.seq, last.signed_at
    else:
        first = session.scalar(select(AuditEntry.at).where(AuditEntry.seq == 1))
        base_seq, base_at = 0, first or utcnow().isoformat()
    if seq - base_seq >= policy.every:
        return True
    return utcnow() - datetime.fromisoformat(base_at) >= policy.max_age


def _sign(
    session: Session, policy: CheckpointPolicy, seq: int, hash: str
) -> AuditCheckpoint:
    signed = sign_checkpoint(
        policy.key, seq, hash, utcnow().isoformat(timespec="microseconds")
    )
    row = AuditCheckpoint(**signed.as_dict())
    session.add(row)
    session.flush()
    return row


def checkpoint_now(
    session: Session, policy: CheckpointPolicy
) -> AuditCheckpoint | None:
    """Sign the current head unless it is already signed (``None`` if empty chain)."""
    _lock(session)
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if head is None:
        return None
    existing = session.get(AuditCheckpoint, head[0])
    if existing is not None:
        return existing
    return _sign(session, policy, head[0], head[1])


def to_checkpoint(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint(
        seq=row.seq,
        hash=row.hash,
        signed_at=row.signed_at,
        key_id=row.key_id,
        signature=row.signature,
    )


def checkpoints(session: Session, from_seq: int = 0) -> list[Checkpoint]:
    """All checkpoints at or after ``from_seq``, in order."""
    rows = session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.seq >= from_seq)
        .order_by(AuditCheckpoint.seq)
    )
    return [to_checkpoint(r) for r in rows]


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


def iter_records(
    session: Session, batch: int = 5000, from_seq: int = 1
) -> Iterator[AuditRecord]:
    """All entries (from ``from_seq``) in chain order, streamed in batches."""
    last = from_seq - 1
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


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify_signed`: counts and the first failure, if any."""

    entries: int
    checkpoints: int
    last_checkpoint: int
    broken: ChainBreak | None

    @property
    def unsigned_tail(self) -> int:
        """Entries after the last checkpoint (a cut there cannot be detected)."""
        return max(self.entries - self.last_checkpoint, 0)


def verify_signed(session: Session, public_key: Ed25519PublicKey) -> Verification:
    """Verify the chain, every checkpoint's signature, and that nothing was cut off.

    The chain is checked first (a broken chain is named at its first bad entry);
    then each checkpoint must verify under ``public_key``, lie at or below the head,
    and match the chain's hash at its ``seq``.
    """
    signed = checkpoints(session)
    wanted = {c.seq for c in signed}
    seen: dict[int, str] = {}
    count = 0
    head = 0

    def counted() -> Iterator[AuditRecord]:
        nonlocal count, head
        for record in iter_records(session):
            count += 1
            head = record.seq
            if record.seq in wanted:
                seen[record.seq] = record.hash
            yield record

    last = max(wanted, default=0)
    broken = verify_chain(counted())
    if broken is None:
        broken = verify_checkpoints(signed, public_key, seen.get, head)
    return Verification(count, len(signed), last, broken)


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
