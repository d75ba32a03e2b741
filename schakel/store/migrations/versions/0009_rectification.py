"""Rectification requests, the recipients' correction notice on shares, and a
deadline on erasure requests.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from schakel.store.rls import enable_row_level_security

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("shares", sa.Column("rectified_at", sa.DateTime))
    op.add_column("erasure_requests", sa.Column("deadline", sa.String(10)))
    op.create_table(
        "rectification_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "org_id",
            sa.Integer,
            sa.ForeignKey("organisations.id"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "signal_id",
            sa.Integer,
            sa.ForeignKey("signals.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("reason", sa.String(60), nullable=False),
        sa.Column("value_enc", sa.Text),
        sa.Column("refusal_enc", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column(
            "requested_by_user_id",
            sa.Integer,
            sa.ForeignKey("users.id"),
            nullable=False,
        ),
        sa.Column("decided_by_user_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("deadline", sa.String(10), nullable=False),
        sa.Column("outcome", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    enable_row_level_security("rectification_requests")


def downgrade() -> None:
    op.drop_table("rectification_requests")
    with op.batch_alter_table("erasure_requests") as batch:
        batch.drop_column("deadline")
    with op.batch_alter_table("shares") as batch:
        batch.drop_column("rectified_at")
