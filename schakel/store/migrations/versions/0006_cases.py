"""Case conferences: cases, participants, contributions with gate grants, decisions
and action plans.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from schakel.store.rls import enable_row_level_security

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

SHARED_PREDICATE = (
    "current_setting('schakel.system', true) = 'on' OR "
    "org_id = NULLIF(current_setting('schakel.org_id', true), '')::int OR "
    "sender_org_id = NULLIF(current_setting('schakel.org_id', true), '')::int"
)


def _org(name: str = "org_id") -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer, sa.ForeignKey("organisations.id"), nullable=False, index=True
    )


def _case() -> sa.Column[int]:
    return sa.Column(
        "case_id",
        sa.Integer,
        sa.ForeignKey("case_conferences.id"),
        nullable=False,
        index=True,
    )


def _user(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, sa.ForeignKey("users.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "case_conferences",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        _user("opened_by_user_id"),
        sa.Column("frame", sa.String(30), nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source_signal_id", sa.Integer, sa.ForeignKey("signals.id")),
        sa.Column("source_alert_id", sa.Integer),
        sa.Column("outcome", sa.String(40)),
        sa.Column("outcome_reason_enc", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("retention_until", sa.DateTime),
    )
    op.create_table(
        "case_participants",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        _case(),
        sa.Column("status", sa.String(20), nullable=False),
        _user("invited_by_user_id"),
        sa.Column("invited_at", sa.DateTime, nullable=False),
        _user("accepted_by_user_id", nullable=True),
        sa.Column("accepted_at", sa.DateTime),
        sa.UniqueConstraint("case_id", "org_id", name="uq_case_participant"),
    )
    op.create_table(
        "case_contributions",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        _case(),
        _user("author_user_id"),
        sa.Column("text_enc", sa.Text, nullable=False),
        sa.Column("signal_id", sa.Integer, sa.ForeignKey("signals.id")),
        sa.Column("identifying", sa.Boolean, nullable=False),
        sa.Column("subject", sa.String(30), nullable=False),
        sa.Column("subject_minor", sa.Boolean),
        sa.Column("professional_secrecy", sa.Boolean),
        sa.Column("serious_danger", sa.Boolean),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "case_contribution_grants",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        _org("sender_org_id"),
        _case(),
        sa.Column(
            "contribution_id",
            sa.Integer,
            sa.ForeignKey("case_contributions.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("visible", sa.Boolean, nullable=False),
        sa.Column("decision", sa.String(40), nullable=False),
        sa.Column("ruleset_version", sa.String(80), nullable=False),
        sa.Column("answer", sa.JSON, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("contribution_id", "org_id", name="uq_contribution_grant"),
    )
    op.create_table(
        "case_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        _case(),
        _user("actor_user_id"),
        sa.Column("text_enc", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "case_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        _case(),
        _user("owner_user_id"),
        _user("created_by_user_id"),
        sa.Column("text_enc", sa.Text, nullable=False),
        sa.Column("deadline", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("done_at", sa.DateTime),
    )
    for table in (
        "case_conferences",
        "case_participants",
        "case_contributions",
        "case_decisions",
        "case_actions",
    ):
        enable_row_level_security(table)
    enable_row_level_security("case_contribution_grants", SHARED_PREDICATE)


def downgrade() -> None:
    for table in (
        "case_actions",
        "case_decisions",
        "case_contribution_grants",
        "case_contributions",
        "case_participants",
        "case_conferences",
    ):
        op.drop_table(table)
