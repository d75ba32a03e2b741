"""Signals with encrypted content, match tokens, and shares made by the gate.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from schakel.store.rls import enable_row_level_security

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SHARED_PREDICATE = (
    "current_setting('schakel.system', true) = 'on' OR "
    "org_id = NULLIF(current_setting('schakel.org_id', true), '')::int OR "
    "sender_org_id = NULLIF(current_setting('schakel.org_id', true), '')::int"
)


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("reporter_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("observed_on", sa.String(10)),
        sa.Column("municipality", sa.String(100)),
        sa.Column("region", sa.String(40), nullable=False),
        sa.Column("forms", sa.JSON, nullable=False),
        sa.Column("indicators", sa.JSON, nullable=False),
        sa.Column("urgency", sa.String(10), nullable=False),
        sa.Column("content_enc", sa.Text, nullable=False),
        sa.Column("consent_status", sa.String(20), nullable=False),
        sa.Column("consent_recipient", sa.String(40)),
        sa.Column("consent_purpose", sa.String(40)),
        sa.Column("consent_revoked_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("submitted_at", sa.DateTime),
    )
    op.create_table(
        "signal_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("signal_id", sa.Integer, sa.ForeignKey("signals.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("token", sa.String(120), nullable=False, index=True),
    )
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("sender_org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False,
                  index=True),
        sa.Column("signal_id", sa.Integer, sa.ForeignKey("signals.id"), nullable=False, index=True),
        sa.Column("sender_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("decision", sa.String(40), nullable=False),
        sa.Column("ruleset_version", sa.String(80), nullable=False),
        sa.Column("answer", sa.JSON, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("anonymised", sa.Boolean, nullable=False),
        sa.Column("consent_based", sa.Boolean, nullable=False),
        sa.Column("consent_revoked", sa.Boolean, nullable=False),
        sa.Column("payload_enc", sa.Text, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("status_reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    enable_row_level_security("signals")
    enable_row_level_security("signal_tokens")
    enable_row_level_security("shares", SHARED_PREDICATE)


def downgrade() -> None:
    for table in ("shares", "signal_tokens", "signals"):
        op.drop_table(table)
