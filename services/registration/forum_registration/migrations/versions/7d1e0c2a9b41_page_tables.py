"""attendee pages: session and forum display details, agenda views

Revision ID: 7d1e0c2a9b41
Revises: c55f83426f57
Create Date: 2026-11-26 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d1e0c2a9b41"
down_revision: str | None = "c55f83426f57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_details",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("forum_code", sa.String(length=100), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("track", sa.String(length=200), nullable=True),
        sa.Column("hall_name", sa.JSON(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_index(
        op.f("ix_session_details_forum_code"), "session_details", ["forum_code"], unique=False
    )
    op.create_table(
        "forum_details",
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("venue", sa.JSON(), nullable=False),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "agenda_views",
        sa.Column("registration_id", sa.Uuid(), nullable=False),
        sa.Column("seen", sa.JSON(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"]),
        sa.PrimaryKeyConstraint("registration_id"),
    )


def downgrade() -> None:
    op.drop_table("agenda_views")
    op.drop_table("forum_details")
    op.drop_index(op.f("ix_session_details_forum_code"), table_name="session_details")
    op.drop_table("session_details")
