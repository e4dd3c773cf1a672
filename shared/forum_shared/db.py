"""Database engines and the unit of work every use case runs in.

PostgreSQL in production, SQLite as the embedded default. Only the unit of work commits;
events recorded during a use case land in the outbox table in the same transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from forum_shared.contracts.envelope import EventEnvelope


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def pooler_connect_args(pooler: str) -> dict[str, Any]:
    """asyncpg options for a connection pooler between the service and PostgreSQL.

    Under PgBouncer's transaction pooling each transaction may run on a different server
    connection, so a statement prepared under a name in one transaction is missing (or,
    named by another process, already taken) in the next. With asyncpg's statement cache
    off, asyncpg prepares every statement unnamed and re-sends its Parse with each
    Bind/Execute, so a statement never outlives its round trip. SQLAlchemy's own cache of
    prepared-statement objects can stay on: the objects it reuses are those re-parsed
    unnamed statements (it saves a Describe round trip per statement; turning it off cost
    ~0.4 ms of client CPU per transaction in the probe recorded in docs/scaling.md).
    """
    if pooler == "pgbouncer":
        return {"statement_cache_size": 0}
    if pooler == "none":
        return {}
    raise ValueError(f"unknown database pooler {pooler!r}")


def create_engine(url: str, *, pool_size: int = 10, pooler: str = "none") -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets readers proceed while the one writer commits; FKs are off by default.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # No pre-ping: it costs a round trip on every checkout (a tenth of a registration's).
    # After a database restart the first statement on a stale connection fails instead; the
    # pool then drops every connection older than that failure, so one request or message
    # per replica sees the error (a 503 or a retry), not one per pooled connection.
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args=pooler_connect_args(pooler),
    )


class UnitOfWork:
    """One transaction per use case: `async with uow: ...; await uow.commit()`.

    Leaving the block without commit rolls back. `record()` queues an event for the outbox;
    `commit()` writes the queued events in the same transaction as the business rows, then
    wakes the relay.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        write_outbox: Callable[[AsyncSession, list[EventEnvelope]], Any],
        on_committed: Callable[[], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._write_outbox = write_outbox
        self._on_committed = on_committed
        self._events: list[EventEnvelope] = []
        self._written = 0
        self._after_commit: list[Callable[[], None]] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        self._events = []
        self._written = 0
        self._after_commit = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        try:
            await asyncio.shield(session.rollback()) if session.in_transaction() else None
        finally:
            await asyncio.shield(session.close())

    def record(self, envelope: EventEnvelope) -> None:
        self._events.append(envelope)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the next commit has succeeded (e.g. wake a worker)."""
        self._after_commit.append(callback)

    def record_written(self, envelope: EventEnvelope) -> None:
        """An event the use case has written to the outbox itself, in a statement of its
        own (the commit does not write it again, and wakes the relay for it)."""
        self._events.insert(self._written, envelope)
        self._written += 1

    async def write_events(self) -> None:
        """Write the events recorded so far to the outbox now rather than at commit, so that
        a use case can make its most contended statement the last one before the commit."""
        if len(self._events) > self._written:
            await self._write_outbox(self.session, self._events[self._written :])
            self._written = len(self._events)

    async def commit(self) -> None:
        await self.write_events()
        await self.session.commit()
        published, self._events, self._written = self._events, [], 0
        callbacks, self._after_commit = self._after_commit, []
        if published and self._on_committed is not None:
            self._on_committed()
        for callback in callbacks:
            callback()
