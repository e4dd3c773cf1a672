"""session seat counters: sessions.seats_taken, backfilled from the agenda entries

Revision ID: 25a3396e768d
Revises: 91993e3f4150
Create Date: 2026-11-26 15:49:03.929916
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "25a3396e768d"
down_revision: str | None = "91993e3f4150"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("seats_taken", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE sessions SET seats_taken = ("
        "SELECT count(*) FROM agenda_entries"
        " WHERE agenda_entries.session_id = sessions.session_id"
        " AND agenda_entries.status = 'confirmed')"
    )


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("seats_taken")
