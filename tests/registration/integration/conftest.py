"""The registration app on a real PostgreSQL and RabbitMQ (a fresh database and vhost each)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI
from forum_registration.config import RegistrationSettings
from forum_registration.main import create_app
from forum_shared.contracts.envelope import EventEnvelope
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings

ADMIN = {"Authorization": "Bearer test-admin-token"}


@dataclass
class Running:
    app: FastAPI
    client: httpx.AsyncClient
    amqp_url: str
    connection: aio_pika.abc.AbstractRobustConnection
    seen: list[dict[str, Any]] = field(default_factory=list)

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    async def publish(self, envelope: EventEnvelope) -> None:
        channel = await self.connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("forum.events")
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
        await channel.close()

    async def wait_for_events(self, n: int, within_s: float = 10.0) -> list[dict[str, Any]]:
        """Poll (with a deadline) until `n` registration events were seen on the bus."""
        deadline = time.monotonic() + within_s
        while len(self.seen) < n and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        assert len(self.seen) >= n, f"saw {len(self.seen)} events, expected {n}: {self.seen}"
        return self.seen


@asynccontextmanager
async def started(
    settings: ForumSettings,
    extras: RegistrationSettings | None = None,
    *,
    observer_url: str | None = None,
) -> AsyncIterator[Running]:
    """The app with its lifespan, an HTTP client, and a queue that sees `registration.#`
    (through `observer_url` when the app's own broker URL may be cut)."""
    app = create_app(settings, extras or RegistrationSettings(rate_limit_per_minute=0))
    async with app.router.lifespan_context(app):
        assert settings.amqp_url
        connection = await aio_pika.connect_robust(observer_url or settings.amqp_url)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            running = Running(app, client, settings.amqp_url, connection)
            channel = await connection.channel()
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            await queue.bind("forum.events", "registration.#")

            async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                async with message.process():
                    running.seen.append(json.loads(message.body))

            await queue.consume(on_message)
            yield running
        await connection.close()


@pytest.fixture
def platform_settings(
    make_settings: Callable[..., ForumSettings], amqp_url: str, database_url: str
) -> ForumSettings:
    return make_settings(amqp_url=amqp_url, database_url=database_url, db_pool_size=20)


@pytest.fixture
async def running(platform_settings: ForumSettings) -> AsyncIterator[Running]:
    async with started(platform_settings) as running:
        yield running
