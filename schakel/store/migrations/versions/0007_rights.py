"""Data-subject rights: access requests, erasure requests, tombstones and holds.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from schakel.store.rls import enable_row_level_security

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _org() -> sa.Column[int]:
    return sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False,
                     index=True)


def upgrade() -> None:
    op.add_column("signals", sa.Column("erased_at", sa.DateTime))
    op.add_column("signals", sa.Column("hold_ground", sa.String(60)))
    op.add_column("shares", sa.Column("erased_at", sa.DateTime))
    op.create_table(
        "subject_access_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        sa.Column("created_by_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("received_on", sa.String(10), nullable=False),
        sa.Column("deadline", sa.String(10), nullable=False),
        sa.Column("extended_to", sa.String(10)),
        sa.Column("extension_reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("subject_enc", sa.Text, nullable=False),
        sa.Column("exemptions", sa.JSON, nullable=False),
        sa.Column("handled_at", sa.DateTime),
        sa.Column("handled_by_user_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        sa.Column("signal_id", sa.Integer, sa.ForeignKey("signals.id"), nullable=False,
                  index=True),
        sa.Column("requested_by_user_id", sa.Integer, sa.ForeignKey("users.id"),
                  nullable=False),
        sa.Column("reason", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("refusal_ground", sa.String(60)),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    for table in ("subject_access_requests", "erasure_requests"):
        enable_row_level_security(table)


def downgrade() -> None:
    op.drop_table("erasure_requests")
    op.drop_table("subject_access_requests")
    with op.batch_alter_table("shares") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("signals") as batch:
        batch.drop_column("hold_ground")
        batch.drop_column("erased_at")
