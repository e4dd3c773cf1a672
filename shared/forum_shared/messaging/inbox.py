"""Idempotent consumers: the processed `event_id` commits with the handler's effects."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, DateTime, Insert, MetaData, String, Table, bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

_DIALECT_INSERTS: dict[str, Callable[[Table], Any]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def define_inbox_table(metadata: MetaData) -> Table:
    if "inbox" in metadata.tables:
        return metadata.tables["inbox"]
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


_claims: dict[tuple[int, str], Insert] = {}


def _claim_statement(table: Table, dialect: str) -> Insert:
    # Built once per table and dialect: only the parameters change per event.
    key = (id(table), dialect)
    statement = _claims.get(key)
    if statement is None:
        statement = (
            _DIALECT_INSERTS[dialect](table)
            .values(consumer=bindparam("consumer"), event_id=bindparam("event_id"))
            .on_conflict_do_nothing()
            .returning(table.c.event_id)
        )
        _claims[key] = statement
    return statement


async def claim(session: AsyncSession, table: Table, consumer: str, event_id: uuid.UUID) -> bool:
    """Record `event_id` as processed by `consumer`, in the caller's transaction, in one
    statement; False when it already was (a redelivery).

    The row commits with the handler's effects or rolls back with them. A concurrent
    delivery of the same event waits on the primary key until this transaction ends, then
    sees the row (a duplicate) or, after a rollback, claims the event itself.
    """
    statement = _claim_statement(table, session.get_bind().dialect.name)
    claimed = await session.execute(statement, {"consumer": consumer, "event_id": str(event_id)})
    return claimed.first() is not None
