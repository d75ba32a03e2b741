"""The durable hit/no-hit queue (one job per submitted signal until it is matched)
and, on PostgreSQL, the audit append as one server-side call.

``schakel_audit_append(entries json)`` takes the audit advisory lock, reads the head
and the checkpoint base, and inserts the entries linked into the chain: the hash of
each is SHA-256 over ``head || prev_hash || tail || seq || '}'``, where head and tail
are the entry's canonical JSON around those two values, computed by
``schakel.store.audit_log.hash_template``. The lock is then held only until the
commit that follows, instead of across several round trips.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from schakel.store.rls import enable_row_level_security

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False,
                  index=True),
        sa.Column("signal_id", sa.Integer, sa.ForeignKey("signals.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(100)),
    )
    enable_row_level_security("match_jobs")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_FUNCTION)


APPEND_FUNCTION = """
CREATE OR REPLACE FUNCTION schakel_audit_append(entries json)
RETURNS TABLE (o_seq bigint, o_prev varchar, o_hash varchar,
               o_base_seq bigint, o_base_at varchar)
LANGUAGE plpgsql AS $fn$
DECLARE
    entry json;
    next_seq bigint;
    prev varchar;
    digest varchar;
    cp_seq bigint;
    cp_at varchar;
BEGIN
    PERFORM pg_advisory_xact_lock(7304221001);
    SELECT e.seq, e.hash INTO next_seq, prev
        FROM audit_entries e ORDER BY e.seq DESC LIMIT 1;
    IF next_seq IS NULL THEN
        next_seq := 0;
        prev := repeat('0', 64);
    END IF;
    SELECT c.seq, c.signed_at INTO cp_seq, cp_at
        FROM audit_checkpoints c ORDER BY c.seq DESC LIMIT 1;
    IF cp_seq IS NULL THEN
        cp_seq := 0;
        SELECT e.at INTO cp_at FROM audit_entries e WHERE e.seq = 1;
    END IF;
    FOR entry IN SELECT value FROM json_array_elements(entries) LOOP
        next_seq := next_seq + 1;
        digest := encode(sha256(convert_to(
            (entry->>'head') || prev || (entry->>'tail') || next_seq::text || '}',
            'UTF8')), 'hex');
        INSERT INTO audit_entries (seq, at, action, actor_user_id, org_id,
                                   object_type, object_ref, ruleset_version,
                                   detail, prev_hash, hash)
        VALUES (next_seq, entry->>'at', entry->>'action',
                (entry->>'actor_user_id')::integer, (entry->>'org_id')::integer,
                entry->>'object_type', entry->>'object_ref',
                entry->>'ruleset_version', (entry->>'detail')::json, prev, digest);
        o_seq := next_seq;
        o_prev := prev;
        o_hash := digest;
        o_base_seq := cp_seq;
        o_base_at := cp_at;
        RETURN NEXT;
        prev := digest;
    END LOOP;
END
$fn$;
"""


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS schakel_audit_append(json)")
    op.drop_table("match_jobs")
