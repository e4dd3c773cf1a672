"""forum seat counters: forums.confirmed_count, backfilled from the registrations

Revision ID: 91993e3f4150
Revises: 7d1e0c2a9b41
Create Date: 2026-11-26 14:27:00.990635
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "91993e3f4150"
down_revision: str | None = "7d1e0c2a9b41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmed_count", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE forums SET confirmed_count = ("
        "SELECT count(*) FROM registrations"
        " WHERE registrations.forum_code = forums.code"
        " AND registrations.status = 'confirmed')"
    )


def downgrade() -> None:
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.drop_column("confirmed_count")
