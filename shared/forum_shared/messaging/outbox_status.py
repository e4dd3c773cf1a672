"""What an operator asks of an outbox: how much is waiting, since when, and what keeps failing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import MetaData, select

from forum_shared.db import create_engine
from forum_shared.messaging.outbox import define_outbox_table, outbox_backlog


@dataclass(frozen=True)
class FailingRow:
    event_id: str
    routing_key: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class OutboxStatus:
    backlog: int
    oldest: datetime | None
    failing: list[FailingRow]


async def read_outbox_status(
    database_url: str, *, failing_limit: int = 20, pooler: str = "none"
) -> OutboxStatus:
    table = define_outbox_table(MetaData())
    engine = create_engine(database_url, pool_size=1, pooler=pooler)
    try:
        async with engine.connect() as connection:
            backlog, oldest = await outbox_backlog(connection, table)  # type: ignore[arg-type]
            rows = await connection.execute(
                select(table)
                .where(table.c.published_at.is_(None), table.c.attempts > 0)
                .order_by(table.c.id)
                .limit(failing_limit)
            )
            failing = [
                FailingRow(r.event_id, r.routing_key, r.attempts, r.last_error, r.next_attempt_at)
                for r in rows
            ]
        return OutboxStatus(backlog, oldest, failing)
    finally:
        await engine.dispose()
