"""The audit chain in the database, on SQLite and PostgreSQL: tampering is detected."""

from sqlalchemy import text, update

from schakel.store import audit_log
from schakel.store.models import AuditEntry
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
