"""Schedule test fixtures: the service app on real PostgreSQL and RabbitMQ, and a bus tap."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aio_pika
import httpx
import pytest
from forum_schedule.main import create_app
from forum_shared.messaging.topology import EVENTS_EXCHANGE_NAME
from forum_shared.settings import ForumSettings


class BusTap:
    """A private queue bound to `schedule.#` on `forum.events`: what the service published."""

    def __init__(self, queue: aio_pika.abc.AbstractQueue) -> None:
        self.queue = queue
        self.received: list[dict[str, Any]] = []
        self.messages: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def wait_for(self, count: int, within_s: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within_s
        while len(self.received) < count:
            if time.monotonic() > deadline:
                types = [event["type"] for event in self.received]
                raise AssertionError(f"{len(types)} of {count} events: {types}")
            message = await self.queue.get(fail=False)
            if message is None:
                await asyncio.sleep(0.05)
                continue
            await message.ack()
            self.messages.append(message)
            self.received.append(json.loads(message.body))
        return self.received

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [event for event in self.received if event["type"] == event_type]


@pytest.fixture
async def schedule_client(
    make_settings: Callable[..., ForumSettings], amqp_url: str, database_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(amqp_url=amqp_url, database_url=database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
async def sqlite_schedule_client(
    make_settings: Callable[..., ForumSettings], amqp_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The embedded default: no FORUM_DATABASE_URL, an SQLite file under the var dir."""
    app = create_app(make_settings(amqp_url=amqp_url, database_url=None))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
async def bus_tap(schedule_client: httpx.AsyncClient, amqp_url: str) -> AsyncIterator[BusTap]:
    # After the app started, so the service has declared `forum.events`.
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE_NAME, ensure=True)
        await queue.bind(exchange, routing_key="schedule.#")
        yield BusTap(queue)
