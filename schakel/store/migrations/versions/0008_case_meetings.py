"""Case conferences: named professionals, meetings with agenda and append-only
minutes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from schakel.store.rls import enable_row_level_security

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _org() -> sa.Column[int]:
    return sa.Column(
        "org_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False, index=True
    )


def _case() -> sa.Column[int]:
    return sa.Column(
        "case_id",
        sa.Integer,
        sa.ForeignKey("case_conferences.id"),
        nullable=False,
        index=True,
    )


def _meeting() -> sa.Column[int]:
    return sa.Column(
        "meeting_id",
        sa.Integer,
        sa.ForeignKey("case_meetings.id"),
        nullable=False,
        index=True,
    )


def _user(name: str, index: bool = False) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=index
    )


def upgrade() -> None:
    op.create_table(
        "case_members",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        _case(),
        _user("user_id", index=True),
        sa.Column("status", sa.String(20), nullable=False),
        _user("invited_by_user_id"),
        sa.Column("invited_at", sa.DateTime, nullable=False),
        sa.Column("accepted_at", sa.DateTime),
        sa.UniqueConstraint("case_id", "user_id", name="uq_case_member"),
    )
    op.create_table(
        "case_meetings",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        _case(),
        sa.Column("held_on", sa.String(10), nullable=False),
        sa.Column("title_enc", sa.Text, nullable=False),
        _user("created_by_user_id"),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "case_agenda_items",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        _case(),
        _meeting(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text_enc", sa.Text, nullable=False),
        _user("created_by_user_id"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("meeting_id", "position", name="uq_agenda_position"),
    )
    op.create_table(
        "case_minutes",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        _case(),
        _meeting(),
        _user("actor_user_id"),
        sa.Column("text_enc", sa.Text, nullable=False),
        sa.Column("corrects_id", sa.Integer, sa.ForeignKey("case_minutes.id")),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    for table in ("case_members", "case_meetings", "case_agenda_items", "case_minutes"):
        enable_row_level_security(table)


def downgrade() -> None:
    for table in ("case_minutes", "case_agenda_items", "case_meetings", "case_members"):
        op.drop_table(table)
