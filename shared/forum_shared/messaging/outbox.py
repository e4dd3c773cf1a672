"""Transactional outbox: events are rows written with the business change, published later.

The relay claims unpublished rows, publishes them with confirms and marks them, all in one
short transaction. On PostgreSQL the claim is `FOR UPDATE SKIP LOCKED`, so the relays of
several replicas share the work without waiting on each other. SQLite has no row locks: one
relay per database (the embedded default runs one process). A crash between the broker's
confirm and the mark republishes the same `event_id`; consumers' inboxes absorb it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry.trace import SpanKind
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum_shared.contracts.envelope import EventEnvelope
from forum_shared.tracing import current_carrier, span_from
from forum_shared.waiting import wait_for_wakeup

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)


def define_outbox_table(metadata: MetaData) -> Table:
    if "outbox" in metadata.tables:
        return metadata.tables["outbox"]
    return Table(
        "outbox",
        metadata,
        Column(
            "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("routing_key", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        Column("next_attempt_at", DateTime(timezone=True), nullable=True),
        Column("trace_context", Text, nullable=True),
        Index("ix_outbox_unpublished", "published_at", "id"),
    )


@dataclass(frozen=True)
class OutgoingMessage:
    event_id: uuid.UUID
    routing_key: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


Publish = Callable[[OutgoingMessage], Awaitable[None]]


def outbox_rows(events: list[EventEnvelope]) -> list[dict[str, Any]]:
    """The outbox rows of `events` (column values), with the current trace context."""
    carrier = current_carrier()
    trace_context = json.dumps(carrier) if carrier else None
    return [
        {
            "event_id": str(event.event_id),
            "routing_key": event.type,
            "body": event.model_dump_json(),
            "attempts": 0,
            "trace_context": trace_context,
        }
        for event in events
    ]


def outbox_writer(table: Table) -> Callable[[AsyncSession, list[EventEnvelope]], Awaitable[None]]:
    async def write(session: AsyncSession, events: list[EventEnvelope]) -> None:
        await session.execute(insert(table), outbox_rows(events))

    return write


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=0.5 * 2**attempts), MAX_BACKOFF)


class OutboxRelay:
    """Publishes outbox rows; `wake()` after a commit, otherwise it polls."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        table: Table,
        publish: Publish,
        *,
        batch_size: int = 100,
        poll_interval_s: float = 0.5,
    ) -> None:
        self._session_factory = session_factory
        self._table = table
        self._publish = publish
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            try:
                published = await self.publish_batch()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay batch failed; retrying")
                published = 0
            if published < self._batch_size:
                await wait_for_wakeup(self._wakeup, self._poll_interval_s)

    async def publish_batch(self) -> int:
        """Claim, publish and mark one batch; return how many rows were published."""
        now = datetime.now(UTC)
        table = self._table
        async with self._session_factory() as session, session.begin():
            claim = (
                select(
                    table.c.id,
                    table.c.event_id,
                    table.c.routing_key,
                    table.c.body,
                    table.c.attempts,
                    table.c.trace_context,
                )
                .where(table.c.published_at.is_(None))
                .where((table.c.next_attempt_at.is_(None)) | (table.c.next_attempt_at <= now))
                .order_by(table.c.id)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = (await session.execute(claim)).all()
            if not rows:
                return 0
            outcomes = await asyncio.gather(
                *(self._publish_row(row) for row in rows), return_exceptions=True
            )
            published_ids = [r.id for r, o in zip(rows, outcomes, strict=True) if o is None]
            if published_ids:
                await session.execute(
                    update(table).where(table.c.id.in_(published_ids)).values(published_at=now)
                )
            await self._record_failures(session, rows, outcomes, now)
            return len(published_ids)

    async def _publish_row(self, row: Any) -> None:
        stored = json.loads(row.trace_context) if row.trace_context else None
        with span_from(stored, f"publish {row.routing_key}", SpanKind.PRODUCER):
            await self._publish(
                OutgoingMessage(
                    uuid.UUID(row.event_id), row.routing_key, row.body.encode(), current_carrier()
                )
            )

    async def _record_failures(
        self,
        session: AsyncSession,
        rows: Sequence[Any],
        outcomes: Sequence[BaseException | None],
        now: datetime,
    ) -> None:
        for row, outcome in zip(rows, outcomes, strict=True):
            if not isinstance(outcome, BaseException):
                continue
            attempts = row.attempts + 1
            log.warning(
                "publishing %s failed (attempt %d): %r",
                row.routing_key,
                attempts,
                outcome,
            )
            await session.execute(
                update(self._table)
                .where(self._table.c.id == row.id)
                .values(
                    attempts=attempts,
                    last_error=repr(outcome)[:2000],
                    next_attempt_at=now + backoff(attempts),
                )
            )


async def outbox_backlog(session: AsyncSession, table: Table) -> tuple[int, datetime | None]:
    """Unpublished rows and the creation time of the oldest one."""
    row = (
        await session.execute(
            select(func.count(), func.min(table.c.created_at)).where(table.c.published_at.is_(None))
        )
    ).one()
    return int(row[0]), row[1]
