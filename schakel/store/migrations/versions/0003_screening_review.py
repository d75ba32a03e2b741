"""Screening review queue: uploaded batches and their flagged records (hits).

Revision ID: 0003
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from schakel.store.rls import enable_row_level_security

revision = "0003"
down_revision = "0005"
branch_labels = None
depends_on = None

TENANT_TABLES = ("screening_batches", "screening_hits")


def upgrade() -> None:
    op.create_table(
        "screening_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("input_format", sa.String(10), nullable=False),
        sa.Column("lexicon_version", sa.String(40), nullable=False),
        sa.Column("lines_read", sa.Integer, nullable=False),
        sa.Column("screened", sa.Integer, nullable=False),
        sa.Column("flagged", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("problems", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_screening_batches_org_id", "screening_batches", ["org_id"])
    op.create_index(
        "ix_screening_batches_org_created", "screening_batches", ["org_id", "created_at"]
    )
    op.create_table(
        "screening_hits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column(
            "batch_id",
            sa.Integer,
            sa.ForeignKey("screening_batches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("record_ref", sa.String(200), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("types", sa.JSON, nullable=False),
        sa.Column("indicators", sa.JSON, nullable=False),
        sa.Column("excerpts", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("reviewed_at", sa.DateTime),
        sa.Column("reason", sa.String(40)),
        sa.Column("reason_text", sa.Text, nullable=False),
        sa.Column("signal_id", sa.Integer, sa.ForeignKey("signals.id")),
    )
    op.create_index("ix_screening_hits_org_id", "screening_hits", ["org_id"])
    op.create_index("ix_screening_hits_batch_id", "screening_hits", ["batch_id"])
    op.create_index(
        "ix_screening_hits_batch_status", "screening_hits", ["batch_id", "status"]
    )
    for table in TENANT_TABLES:
        enable_row_level_security(table)


def downgrade() -> None:
    for table in ("screening_hits", "screening_batches"):
        op.drop_table(table)
