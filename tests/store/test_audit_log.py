"""The audit chain in the database, on SQLite and PostgreSQL: tampering is detected,
and so are truncation and forged checkpoints once the head is signed."""

import pytest
from sqlalchemy import select, text, update

from schakel import clock
from schakel.audit import new_seed, sign_checkpoint
from schakel.store import audit_log
from schakel.store.models import AuditCheckpoint, AuditEntry
from schakel.store.tenancy import Scope, scoped_transaction


def _append(factory, n):
    with scoped_transaction(factory, Scope.system_wide()) as session:
        for i in range(n):
            audit_log.append(
                session,
                "record.view",
                actor_user_id=1,
                org_id=1,
                object_type="signal",
                object_ref=i,
            )


def _verify(factory):
    with scoped_transaction(factory, Scope.system_wide()) as session:
        return audit_log.verify(session)


def test_appended_entries_verify(factory):
    _append(factory, 12)
    count, broken = _verify(factory)
    assert (count, broken) == (12, None)


def test_modified_entry_fails(factory):
    _append(factory, 6)
    with factory.begin() as session:
        session.execute(
            update(AuditEntry).where(AuditEntry.seq == 4).values(action="share.create")
        )
    _, broken = _verify(factory)
    assert broken is not None and broken.seq == 4


def test_deleted_entry_fails(factory):
    _append(factory, 6)
    with factory.begin() as session:
        session.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    _, broken = _verify(factory)
    assert broken is not None and broken.seq == 3


def test_reordered_entries_fail(factory):
    _append(factory, 6)
    with factory.begin() as session:
        session.execute(text("UPDATE audit_entries SET seq = 100 WHERE seq = 3"))
        session.execute(text("UPDATE audit_entries SET seq = 3 WHERE seq = 4"))
        session.execute(text("UPDATE audit_entries SET seq = 4 WHERE seq = 100"))
    _, broken = _verify(factory)
    assert broken is not None and broken.seq == 3


def test_concurrent_writers_keep_one_chain(factory):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _i: _append(factory, 5), range(8)))
    count, broken = _verify(factory)
    assert (count, broken) == (40, None)


# ---------------------------------------------------------------- signed checkpoints

SEED = new_seed()


def _policy(every=10, seed=SEED):
    return audit_log.CheckpointPolicy.from_seed(seed, every=every)


def _append_signed(factory, n, every=10):
    with scoped_transaction(factory, Scope.system_wide()) as session:
        audit_log.set_checkpoint_policy(session, _policy(every))
        for i in range(n):
            audit_log.append(session, "record.view", org_id=1, object_ref=i)


def _verify_signed(factory, seed=SEED):
    with scoped_transaction(factory, Scope.system_wide()) as session:
        return audit_log.verify_signed(session, _policy(seed=seed).public_key)


def _checkpoint_seqs(factory):
    with factory.begin() as session:
        return list(
            session.scalars(
                text("SELECT seq FROM audit_checkpoints ORDER BY seq")
            ).all()
        )


@pytest.fixture
def _clock():
    yield clock
    clock.reset()


def test_checkpoint_cadence_by_n(factory):
    _append_signed(factory, 25, every=10)
    assert _checkpoint_seqs(factory) == [10, 20]
    _append_signed(factory, 5, every=10)
    assert _checkpoint_seqs(factory) == [10, 20, 30]
    result = _verify_signed(factory)
    assert result.broken is None
    assert (result.entries, result.checkpoints, result.unsigned_tail) == (30, 3, 0)


def test_checkpoint_at_least_daily(factory, _clock):
    _append_signed(factory, 3, every=1000)
    assert _checkpoint_seqs(factory) == []
    _clock.shift(25 * 3600)
    _append_signed(factory, 1, every=1000)
    assert _checkpoint_seqs(factory) == [4]
    _append_signed(factory, 1, every=1000)
    assert _checkpoint_seqs(factory) == [4]


def test_a_quiet_day_still_gets_its_checkpoint(factory, _clock):
    """No entry arrives after the last few: the hourly timer signs the tail once
    it is a day old, so truncating it is detected."""

    def if_due():
        with scoped_transaction(factory, Scope.system_wide()) as session:
            row = audit_log.checkpoint_if_due(session, _policy(every=1000))
            return None if row is None else row.seq

    assert if_due() is None  # an empty chain
    _append_signed(factory, 3, every=1000)
    assert if_due() is None  # not yet a day old
    _clock.shift(23 * 3600)
    assert if_due() is None
    _clock.shift(2 * 3600)
    assert if_due() == 3
    assert if_due() is None  # the head is signed already
    _append_signed(factory, 2, every=1000)
    _clock.shift(12 * 3600)
    assert if_due() is None  # the last signature is half a day old
    _clock.shift(13 * 3600)
    assert if_due() == 5
    assert _checkpoint_seqs(factory) == [3, 5]
    result = _verify_signed(factory)
    assert result.broken is None and result.unsigned_tail == 0


def test_enable_checkpoints_on_the_factory(factory):
    audit_log.enable_checkpoints(factory, _policy(every=2))
    _append(factory, 5)
    assert _checkpoint_seqs(factory) == [2, 4]


def test_checkpoint_now_signs_the_head_once(factory):
    _append(factory, 3)
    with scoped_transaction(factory, Scope.system_wide()) as session:
        first = audit_log.checkpoint_now(session, _policy())
        again = audit_log.checkpoint_now(session, _policy())
        assert first is not None and again is not None
        assert first.seq == again.seq == 3
    assert _checkpoint_seqs(factory) == [3]


def test_truncation_of_the_tail_is_detected(factory):
    _append_signed(factory, 25, every=10)
    with factory.begin() as session:
        session.execute(text("DELETE FROM audit_entries WHERE seq > 15"))
    result = _verify_signed(factory)
    assert result.broken is not None and result.broken.seq == 20
    assert "ingekort" in result.broken.reason


def test_re_signing_with_another_key_fails(factory):
    _append_signed(factory, 25, every=10)
    attacker = _policy(seed=new_seed())
    with factory.begin() as session:
        session.execute(text("DELETE FROM audit_entries WHERE seq > 15"))
        session.execute(text("DELETE FROM audit_checkpoints"))
        for seq in (10, 15):
            head = session.get(AuditEntry, seq)
            forged = sign_checkpoint(attacker.key, seq, head.hash, "2026-01-01")
            session.add(AuditCheckpoint(**forged.as_dict()))
    result = _verify_signed(factory)
    assert result.broken is not None and result.broken.seq == 10
    assert "andere sleutel" in result.broken.reason


def test_modified_checkpoint_fails(factory):
    _append_signed(factory, 20, every=10)
    with factory.begin() as session:
        session.execute(
            update(AuditCheckpoint)
            .where(AuditCheckpoint.seq == 20)
            .values(signed_at="2020-01-01T00:00:00")
        )
    result = _verify_signed(factory)
    assert result.broken is not None and result.broken.seq == 20
    assert "handtekening" in result.broken.reason


def test_broken_chain_is_reported_before_checkpoints(factory):
    _append_signed(factory, 12, every=10)
    with factory.begin() as session:
        session.execute(
            update(AuditEntry).where(AuditEntry.seq == 5).values(action="x")
        )
    result = _verify_signed(factory)
    assert result.broken is not None and result.broken.seq == 5


# ------------------------------------------------------- linking at commit (speed)


def test_entries_join_the_chain_at_commit_and_a_rolled_back_savepoint_drops_its_own(
    factory,
):
    with scoped_transaction(factory, Scope.system_wide()) as session:
        kept = audit_log.append(session, "record.view", object_ref="kept")
        try:
            with session.begin_nested():
                audit_log.append(session, "record.view", object_ref="dropped")
                raise RuntimeError("this write fails")
        except RuntimeError:
            pass
        assert kept.seq is None, "linked at commit, not at append"
    with scoped_transaction(factory, Scope.system_wide()) as session:
        refs = session.scalars(select(AuditEntry.object_ref)).all()
    assert refs == ["kept"] and kept.seq == 1
    assert _verify(factory) == (1, None)


def test_a_rolled_back_transaction_leaves_no_entry(factory):
    try:
        with scoped_transaction(factory, Scope.system_wide()) as session:
            audit_log.append(session, "record.view", object_ref="x")
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert _verify(factory) == (0, None)


def test_reading_the_audit_table_in_the_same_transaction_sees_its_entries(factory):
    with scoped_transaction(factory, Scope.system_wide()) as session:
        entry = audit_log.append(session, "record.view", object_ref="own")
        assert session.scalars(select(AuditEntry.object_ref)).all() == ["own"]
        assert entry.seq == 1


@pytest.mark.parametrize(
    "detail",
    [
        {},
        {"reason": 'aanhalingsteken " en \\ backslash', "n": 3},
        {"names": ["é", "中文", "emoji \U0001f600"], "nested": {"a": [1, None, True]}},
        {"prev_hash": "x", "seq": 5, "text": ',"prev_hash":"'},
    ],
)
def test_the_hash_template_gives_the_entry_hash(detail):
    """What the database completes (PostgreSQL) hashes exactly as entry_hash."""
    import hashlib

    from schakel.audit import AuditRecord, entry_hash

    record = AuditRecord(
        seq=41,
        at="2026-11-25T10:00:00.000001",
        action="signal.create",
        actor_user_id=7,
        org_id=None,
        object_type="signal",
        object_ref="12",
        ruleset_version='2026.1 "nl"',
        detail=detail,
        prev_hash="ab" * 32,
    )
    head, tail = audit_log.hash_template(record)
    text_ = head + record.prev_hash + tail + str(record.seq) + "}"
    assert hashlib.sha256(text_.encode()).hexdigest() == entry_hash(record)


def test_unicode_and_quotes_in_details_verify_after_storage(factory):
    with scoped_transaction(factory, Scope.system_wide()) as session:
        audit_log.append(
            session,
            "record.view",
            ruleset_version='v "1"',
            detail={"reason": 'café "x" \\ 中文', "prev_hash": ',"seq":'},
        )
        audit_log.append(session, "record.view", detail={"n": 1.5})
    assert _verify(factory) == (2, None)
