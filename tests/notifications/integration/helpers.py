"""Driving the notifications app on real RabbitMQ, PostgreSQL and an SMTP sink."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
from fastapi import FastAPI
from forum_notifications.main import create_app
from forum_notifications.models import EmailRow, ReleaseRow
from forum_shared.contracts import EventEnvelope
from forum_shared.messaging.topology import EVENTS_EXCHANGE_NAME
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings
from sqlalchemy import func, select


@asynccontextmanager
async def running_app(settings: ForumSettings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def publish(amqp_url: str, *envelopes: EventEnvelope) -> None:
    """Publish as a producer's relay would: persistent, confirmed, message_id = event_id."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE_NAME)
        for envelope in envelopes:
            await exchange.publish(
                aio_pika.Message(
                    envelope.model_dump_json().encode(),
                    message_id=str(envelope.event_id),
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=envelope.type,
                mandatory=True,
            )
    finally:
        await connection.close()


async def email_rows(app: FastAPI) -> list[EmailRow]:
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.session_factory() as session:
        return list((await session.scalars(select(EmailRow))).all())


async def outbox_types(app: FastAPI) -> list[str]:
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.session_factory() as session:
        table = runtime.outbox_table
        return list((await session.scalars(select(table.c.routing_key))).all())


async def eventually(
    probe: Callable[[], Any], *, within_s: float = 15.0, what: str = "condition"
) -> Any:
    """Poll an async probe until it returns something truthy, or fail at the deadline."""
    deadline = time.monotonic() + within_s
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {within_s} s (last: {result!r})")
        await asyncio.sleep(0.05)


async def processed(app: FastAPI, event_id: uuid.UUID) -> bool:
    """The service's inbox has recorded the event (its effects committed)."""
    runtime: ServiceRuntime = app.state.runtime
    table = runtime.inbox_table
    async with runtime.session_factory() as session:
        found = await session.scalar(
            select(func.count()).select_from(table).where(table.c.event_id == str(event_id))
        )
    return bool(found)


async def all_settled(app: FastAPI) -> bool:
    """No email is queued any more, and no release waits to be planned."""
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.session_factory() as session:
        queued = await session.scalar(
            select(func.count()).select_from(EmailRow).where(EmailRow.status == "queued")
        )
        waiting = await session.scalar(
            select(func.count()).select_from(ReleaseRow).where(ReleaseRow.planned_at.is_(None))
        )
    return queued == 0 and waiting == 0
