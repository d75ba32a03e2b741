"""Hit/no-hit: person encodings, match alerts and carousel alerts.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from schakel.store.rls import enable_row_level_security

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def _org() -> sa.Column[int]:
    return sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False,
                     index=True)


def upgrade() -> None:
    op.create_table(
        "person_encodings",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        sa.Column("signal_id", sa.Integer, sa.ForeignKey("signals.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("encoding", sa.JSON, nullable=False),
        sa.Column("block", sa.String(120), index=True),
    )
    op.create_table(
        "match_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        sa.Column("signal_id", sa.Integer, sa.ForeignKey("signals.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("other_org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("other_signal_id", sa.Integer, sa.ForeignKey("signals.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("other_contact_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "carousel_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False, index=True),
        sa.Column("municipalities", sa.JSON, nullable=False),
        sa.Column("regions", sa.JSON, nullable=False),
        sa.Column("signal_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    for table in ("person_encodings", "match_alerts", "carousel_alerts"):
        enable_row_level_security(table)


def downgrade() -> None:
    for table in ("carousel_alerts", "match_alerts", "person_encodings"):
        op.drop_table(table)
