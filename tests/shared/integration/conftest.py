from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aio_pika
import pytest
from forum_shared.contracts import EventEnvelope
from forum_shared.messaging.topology import EVENTS_EXCHANGE_NAME, NOTIFICATIONS_REGISTRATION
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings

from tests.shared.harness import ScriptedHandler, metadata


def harness_runtime(settings: ForumSettings, handler: ScriptedHandler) -> ServiceRuntime:
    runtime = ServiceRuntime("harness", settings, metadata)
    runtime.consume(NOTIFICATIONS_REGISTRATION, {"registration.attendee.cancelled": handler})
    return runtime


@pytest.fixture
async def amqp(amqp_url: str) -> AsyncIterator[aio_pika.abc.AbstractRobustConnection]:
    connection = await aio_pika.connect_robust(amqp_url)
    yield connection
    await connection.close()


async def publish_envelope(
    connection: aio_pika.abc.AbstractConnection, envelope: EventEnvelope | bytes, key: str = ""
) -> None:
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.get_exchange(EVENTS_EXCHANGE_NAME)
    body = envelope if isinstance(envelope, bytes) else envelope.model_dump_json().encode()
    routing_key = key or (envelope.type if isinstance(envelope, EventEnvelope) else "")
    await exchange.publish(
        aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
        routing_key=routing_key,
        mandatory=True,
    )
    await channel.close()


async def eventually(check: Callable[[], Awaitable[bool]], within_s: float = 15.0) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met within {within_s} s")


async def get_one(
    connection: aio_pika.abc.AbstractConnection, queue_name: str, within_s: float = 15.0
) -> aio_pika.abc.AbstractIncomingMessage:
    channel = await connection.channel()
    queue = await channel.get_queue(queue_name)
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        message = await queue.get(fail=False, no_ack=True)
        if message is not None:
            await channel.close()
            return message
        await asyncio.sleep(0.05)
    await channel.close()
    raise AssertionError(f"nothing arrived in {queue_name} within {within_s} s")


def list_queues(amqp_url: str) -> dict[str, dict[str, Any]]:
    vhost = amqp_url.rsplit("/", 1)[1]
    output = subprocess.run(
        [
            "rabbitmqctl",
            "-q",
            "list_queues",
            "-p",
            vhost,
            "name",
            "arguments",
            "--formatter",
            "json",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    # rabbitmqctl lists arguments as [name, type, value] triples.
    return {
        row["name"]: {"arguments": {name: value for name, _type, value in row["arguments"]}}
        for row in json.loads(output)
    }
