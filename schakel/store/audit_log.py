"""Appending to and reading the audit chain in the database.

:func:`append` records an entry in the caller's transaction; the entry is linked into
the chain (sequence number, previous hash, own hash) when that transaction commits,
or earlier when the same transaction reads the audit tables or calls :func:`seal`.
A rolled-back transaction or savepoint takes its entries with it, so an entry exists
exactly when the write it records does.

One writer at a time extends the chain: SQLite transactions begin IMMEDIATE and
PostgreSQL takes a transaction-scoped advisory lock, so the head read here is still
the head when the new entries are written. Because linking happens at commit, the
PostgreSQL lock is held only for the append and the commit itself, not for the rest
of the request (which is what limited intake throughput before).

Signed checkpoints: when a session carries a :class:`CheckpointPolicy` (set once on
the session factory with :func:`enable_checkpoints`), every append checks whether
the last checkpoint is ``every`` entries behind or older than a day, and if so signs
the new head in the same transaction. Without a policy nothing is signed, and
``schakel audit verify`` reports the unsigned tail.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import Connection, event, func, insert, select, text
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    SessionTransaction,
    sessionmaker,
)

from schakel.audit import (
    GENESIS_HASH,
    AuditRecord,
    ChainBreak,
    Checkpoint,
    canonical_json,
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
_PENDING_INFO_KEY = "schakel.audit_pending"
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


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY}
        )


@dataclass
class _Pending:
    """An entry waiting for its transaction to commit, and that transaction."""

    row: AuditEntry
    transaction: SessionTransaction


def _pending(session: Session) -> list[_Pending]:
    found = session.info.get(_PENDING_INFO_KEY)
    if found is None:
        found = session.info[_PENDING_INFO_KEY] = []
    return found


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
    """Record one entry in the caller's transaction.

    The entry joins the chain when the transaction commits (see :func:`seal`); its
    ``seq`` and ``hash`` are filled in then. A checkpoint is signed at an entry when
    the session's policy says one is due.
    """
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        session.connection()  # autobegin: the entry belongs to this transaction
        transaction = session.get_transaction()
    assert transaction is not None
    row = AuditEntry(
        action=action,
        actor_user_id=actor_user_id,
        org_id=org_id,
        object_type=object_type,
        object_ref=None if object_ref is None else str(object_ref),
        ruleset_version=ruleset_version,
        detail=detail or {},
    )
    _pending(session).append(_Pending(row, transaction))
    return row


def seal(session: Session) -> list[AuditEntry]:
    """Link the session's recorded entries into the chain now (in its transaction).

    Runs by itself before every commit and before a query on the audit tables; call
    it directly only when the sequence numbers are needed earlier. Everything else
    the session has pending is flushed first, so the lock is held only for the
    append: on PostgreSQL one call of ``schakel_audit_append`` (migration 0010)
    takes the lock, reads the head and writes the linked entries in one round trip,
    and the commit follows at once.
    """
    pending = session.info.get(_PENDING_INFO_KEY)
    if not pending:
        return []
    session.info[_PENDING_INFO_KEY] = []
    session.flush()
    connection = session.connection()
    entries = [p.row for p in pending]
    at = utcnow().isoformat(timespec="microseconds")
    for row in entries:
        row.at = at
    if connection.dialect.name == "postgresql":
        base = _append_server_side(connection, entries)
    else:
        base = _append_here(connection, entries)
    policy = checkpoint_policy(session)
    if policy is not None:
        for row in entries:
            base_seq, base_at = base if base is not None else (0, row.at)
            if row.seq - base_seq >= policy.every or (
                utcnow() - datetime.fromisoformat(base_at) >= policy.max_age
            ):
                _sign(session, policy, row.seq, row.hash)
                base = (row.seq, row.at)
    return entries


def _record(row: AuditEntry, seq: int, prev: str) -> AuditRecord:
    return AuditRecord(
        seq=seq,
        at=row.at,
        action=row.action,
        actor_user_id=row.actor_user_id,
        org_id=row.org_id,
        object_type=row.object_type,
        object_ref=row.object_ref,
        ruleset_version=row.ruleset_version,
        detail=row.detail,
        prev_hash=prev,
    )


def _append_here(
    connection: Connection, entries: list[AuditEntry]
) -> tuple[int, str] | None:
    """Link and insert in Python (SQLite: the transaction already holds the write
    lock). Returns the checkpoint base (see :func:`_head`)."""
    _lock(connection)
    head, base = _head(connection)
    seq, prev = head if head else (0, GENESIS_HASH)
    for row in entries:
        seq += 1
        row.seq, row.prev_hash = seq, prev
        row.hash = prev = entry_hash(_record(row, seq, prev))
    connection.execute(insert(AuditEntry), [_values(r) for r in entries])
    return base


def _values(row: AuditEntry) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": row.at,
        "action": row.action,
        "actor_user_id": row.actor_user_id,
        "org_id": row.org_id,
        "object_type": row.object_type,
        "object_ref": row.object_ref,
        "ruleset_version": row.ruleset_version,
        "detail": row.detail,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def hash_template(record: AuditRecord) -> tuple[str, str]:
    """The canonical JSON of ``record`` around its ``prev_hash`` and ``seq`` values.

    Keys are sorted, so the body ends ``"prev_hash":"<prev>","ruleset_version":
    ...,"seq":<seq>}``; the database completes ``head + prev + tail + seq + "}"``
    and hashes it exactly as :func:`schakel.audit.entry_hash` would. A quote inside
    any value is escaped, so the markers found here can only be the keys.
    """
    text_ = canonical_json({**record.body(), "prev_hash": "", "seq": 0})
    cut = text_.rindex(',"prev_hash":"') + len(',"prev_hash":"')
    end = text_.rindex(',"seq":0}') + len(',"seq":')
    return text_[:cut], text_[cut:end]


_APPEND = text(
    "SELECT o_seq, o_prev, o_hash, o_base_seq, o_base_at "
    "FROM schakel_audit_append(CAST(:entries AS json))"
)


def _append_server_side(
    connection: Connection, entries: list[AuditEntry]
) -> tuple[int, str] | None:
    """Lock, read the head, link and insert in one round trip (PostgreSQL)."""
    payload = []
    for row in entries:
        head, tail = hash_template(_record(row, 0, ""))
        payload.append(
            {
                "head": head,
                "tail": tail,
                "at": row.at,
                "action": row.action,
                "actor_user_id": row.actor_user_id,
                "org_id": row.org_id,
                "object_type": row.object_type,
                "object_ref": row.object_ref,
                "ruleset_version": row.ruleset_version,
                "detail": json.dumps(row.detail),
            }
        )
    result = connection.execute(_APPEND, {"entries": json.dumps(payload)}).all()
    for row, (seq, prev, digest, _base_seq, _base_at) in zip(
        entries, result, strict=True
    ):
        row.seq, row.prev_hash, row.hash = int(seq), str(prev), str(digest)
    base_seq, base_at = result[0][3], result[0][4]
    return None if base_at is None else (int(base_seq), str(base_at))


def _head(
    connection: Connection,
) -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
    """The chain head and the checkpoint base, read together in one round trip.

    The base is the last checkpoint's ``(seq, signed_at)``; without a checkpoint the
    chain's first entry starts the clock, ``(0, its at)``; ``None`` for an empty
    chain.
    """
    latest = AuditEntry.seq.desc()
    newest = AuditCheckpoint.seq.desc()
    row = connection.execute(
        select(
            select(AuditEntry.seq).order_by(latest).limit(1).scalar_subquery(),
            select(AuditEntry.hash).order_by(latest).limit(1).scalar_subquery(),
            select(AuditCheckpoint.seq).order_by(newest).limit(1).scalar_subquery(),
            select(AuditCheckpoint.signed_at)
            .order_by(newest)
            .limit(1)
            .scalar_subquery(),
            select(AuditEntry.at).where(AuditEntry.seq == 1).scalar_subquery(),
        )
    ).one()
    head = (int(row[0]), str(row[1])) if row[0] is not None else None
    if row[2] is not None:
        return head, (int(row[2]), str(row[3]))
    return head, ((0, str(row[4])) if row[4] is not None else None)


@event.listens_for(Session, "before_commit")
def _seal_before_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        seal(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """Entries recorded in a rolled-back transaction or savepoint are dropped."""
    pending = session.info.get(_PENDING_INFO_KEY)
    if not pending:
        return

    def inside(transaction: SessionTransaction | None) -> bool:
        while transaction is not None:
            if transaction is previous:
                return True
            transaction = transaction.parent
        return False

    session.info[_PENDING_INFO_KEY] = [p for p in pending if not inside(p.transaction)]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING_INFO_KEY, None)


@event.listens_for(Session, "do_orm_execute")
def _seal_before_audit_read(state: ORMExecuteState) -> None:
    """Reading the audit tables in the same transaction sees its own entries."""
    if not state.session.info.get(_PENDING_INFO_KEY):
        return
    mappers = [state.bind_mapper, *state.all_mappers]
    if any(
        m is not None and m.class_ in (AuditEntry, AuditCheckpoint) for m in mappers
    ):
        seal(state.session)


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
    seal(session)
    _lock(session.connection())
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if head is None:
        return None
    existing = session.get(AuditCheckpoint, head[0])
    if existing is not None:
        return existing
    return _sign(session, policy, head[0], head[1])


def checkpoint_if_due(
    session: Session, policy: CheckpointPolicy
) -> AuditCheckpoint | None:
    """Sign the head when its oldest unsigned entry is ``policy.max_age`` old.

    Appending signs only when an entry arrives; a quiet day after a few entries
    would leave that tail unsigned, and a truncation of it undetectable. The web
    app calls this every hour, so the head is signed at least daily.
    """
    seal(session)
    _lock(session.connection())
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if head is None or session.get(AuditCheckpoint, head[0]) is not None:
        return None
    last_signed = session.scalar(select(func.max(AuditCheckpoint.seq))) or 0
    oldest_unsigned = session.scalar(
        select(AuditEntry.at).where(AuditEntry.seq == last_signed + 1)
    )
    if oldest_unsigned is not None and (
        utcnow() - datetime.fromisoformat(oldest_unsigned) < policy.max_age
    ):
        return None
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
