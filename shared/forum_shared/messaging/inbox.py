"""Idempotent consumers: the processed `event_id` commits with the handler's effects."""

from __future__ import annotations

import uuid

from sqlalchemy import Column, DateTime, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession


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


async def already_processed(
    session: AsyncSession, table: Table, consumer: str, event_id: uuid.UUID
) -> bool:
    found = await session.execute(
        select(table.c.event_id).where(
            table.c.consumer == consumer, table.c.event_id == str(event_id)
        )
    )
    return found.first() is not None


async def mark_processed(
    session: AsyncSession, table: Table, consumer: str, event_id: uuid.UUID
) -> None:
    await session.execute(insert(table).values(consumer=consumer, event_id=str(event_id)))
