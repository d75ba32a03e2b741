"""Row-level security for tenant-owned tables (PostgreSQL only), used by migrations.

A row is visible to the organisation in ``schakel.org_id`` or to the system scope
(``schakel.system = on``); :mod:`schakel.store.tenancy` sets both per transaction.
Superusers bypass these policies, so production connects as a plain role.
"""

from alembic import op

PREDICATE = (
    "current_setting('schakel.system', true) = 'on' OR "
    "org_id = NULLIF(current_setting('schakel.org_id', true), '')::int"
)


def enable_row_level_security(table: str, predicate: str = PREDICATE) -> None:
    """Enable and force RLS on ``table`` with the tenant policy (no-op on SQLite)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({predicate}) WITH CHECK ({predicate})"
    )
