"""The RabbitMQ side of the bus: the one broker factory, topology declaration, consumers.

FastStream 0.7 defaults that would lose or stall messages are overridden here on purpose:
returns raise (an unroutable publish is an error, not a silent success), prefetch is bounded,
every publish is persistent, mandatory and bounded by a timeout, shutdown waits for in-flight
handlers, and acknowledgement is manual so each outcome maps to exactly one broker action.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import aio_pika
from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.annotations import RabbitMessage

from forum_shared.messaging.consumer import DeadLetter, EventConsumer, Retry
from forum_shared.messaging.outbox import OutgoingMessage
from forum_shared.messaging.topology import (
    CONSUMER_QUEUES,
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    UNROUTED_EXCHANGE,
    UNROUTED_QUEUE,
    ConsumerQueue,
    dead_letter_queue,
    retry_queue,
    work_queue,
)
from forum_shared.settings import ForumSettings

log = logging.getLogger(__name__)

RETRIES_HEADER = "x-forum-retries"
ERROR_HEADER = "x-forum-error"
FAILED_AT_HEADER = "x-forum-failed-at"
SOURCE_QUEUE_HEADER = "x-forum-source-queue"


def broker_options(settings: ForumSettings, *, service: str) -> dict[str, Any]:
    """The deliberate choices every broker is made with (inspected by a unit test)."""
    return {
        "default_channel": Channel(
            prefetch_count=settings.prefetch_count,
            publisher_confirms=True,
            on_return_raises=True,
        ),
        "graceful_timeout": settings.graceful_timeout_s,
        "ack_policy": AckPolicy.MANUAL,
        "app_id": f"forum-{service}",
        "client_properties": {"connection_name": f"forum-{service}"},
        "reconnect_interval": 2.0,
        "log_level": logging.DEBUG,
    }


def create_broker(settings: ForumSettings, *, service: str) -> RabbitBroker:
    """The only place a `RabbitBroker` is made (a test forbids others)."""
    if not settings.amqp_url:
        raise ValueError("FORUM_AMQP_URL is not set")
    return RabbitBroker(settings.amqp_url, **broker_options(settings, service=service))


async def declare_topology(
    broker: RabbitBroker,
    *,
    delivery_limit: int,
    retry_delays_ms: Iterable[int],
    queues: Sequence[ConsumerQueue] = CONSUMER_QUEUES,
) -> None:
    """Declare every exchange, queue and binding; idempotent, safe from every service."""
    events = await broker.declare_exchange(EVENTS_EXCHANGE)
    unrouted = await broker.declare_exchange(UNROUTED_EXCHANGE)
    await (await broker.declare_queue(UNROUTED_QUEUE)).bind(unrouted)
    dead_letters = await broker.declare_exchange(DEAD_LETTER_EXCHANGE)
    delays = list(retry_delays_ms)
    for queue in queues:
        work = await broker.declare_queue(work_queue(queue, delivery_limit=delivery_limit))
        for key in queue.binding_keys:
            await work.bind(events, key)
        await (await broker.declare_queue(dead_letter_queue(queue))).bind(dead_letters, queue.name)
        for delay_ms in delays:
            await broker.declare_queue(retry_queue(queue, delay_ms))


async def _raw_body(message: StreamMessage[Any]) -> bytes:
    # We decode ourselves so that a malformed body reaches our code and the DLQ with a reason.
    return message.body


class RabbitBus:
    """Publishes outbox messages and runs this service's consumers on RabbitMQ."""

    def __init__(
        self, settings: ForumSettings, *, service: str, consumers: Sequence[EventConsumer]
    ):
        self.settings = settings
        self.service = service
        self.broker = create_broker(settings, service=service)
        self.consumers = list(consumers)
        self._ops: aio_pika.abc.AbstractRobustConnection | None = None
        for consumer in self.consumers:
            self._subscribe(consumer)

    async def start(self) -> None:
        await self.broker.connect()
        await declare_topology(
            self.broker,
            delivery_limit=self.settings.delivery_limit,
            retry_delays_ms=self.settings.retry_delays_ms,
        )
        await self.broker.start()
        assert self.settings.amqp_url
        self._ops = await aio_pika.connect_robust(
            self.settings.amqp_url,
            client_properties={"connection_name": f"forum-{self.service}-ops"},
        )

    async def stop(self) -> None:
        await self.broker.stop()
        if self._ops is not None:
            await self._ops.close()

    async def publish(self, message: OutgoingMessage) -> None:
        await self.broker.publish(
            message.body,
            exchange=EVENTS_EXCHANGE,
            routing_key=message.routing_key,
            message_id=str(message.event_id),
            message_type=message.routing_key,
            content_type="application/json",
            headers=dict(message.headers),
            persist=True,
            mandatory=True,
            timeout=self.settings.publish_timeout_s,
        )

    async def queue_stats(self) -> dict[str, tuple[int, int]]:
        """(ready messages, consumers) of this service's work queues, read from the broker."""
        if self._ops is None:
            raise RuntimeError("bus not started")
        channel = await self._ops.channel()
        try:
            stats = {}
            for consumer in self.consumers:
                queue = await channel.declare_queue(consumer.queue.name, passive=True)
                result = queue.declaration_result
                stats[consumer.queue.name] = (result.message_count or 0, result.consumer_count or 0)
            return stats
        finally:
            await channel.close()

    def _subscribe(self, consumer: EventConsumer) -> None:
        queue = consumer.queue

        @self.broker.subscriber(
            work_queue(queue, delivery_limit=self.settings.delivery_limit),
            EVENTS_EXCHANGE,
            ack_policy=AckPolicy.MANUAL,
            decoder=_raw_body,
            title=queue.name,
            description=queue.description,
        )
        async def consume(body: bytes, message: RabbitMessage) -> None:
            headers = dict(message.headers or {})
            try:
                outcome = await consumer.process(
                    body, retries=int(headers.get(RETRIES_HEADER, 0)), headers=headers
                )
                if isinstance(outcome, Retry):
                    await self._republish(
                        body,
                        headers,
                        queue.retry_queue_name(outcome.delay_ms),
                        "",
                        outcome.reason,
                        retries=int(headers.get(RETRIES_HEADER, 0)) + 1,
                        message_id=message.message_id,
                    )
                elif isinstance(outcome, DeadLetter):
                    await self._republish(
                        body,
                        headers,
                        queue.name,
                        DEAD_LETTER_EXCHANGE.name,
                        outcome.reason,
                        retries=int(headers.get(RETRIES_HEADER, 0)),
                        message_id=message.message_id,
                    )
            except Exception:
                # Counted by the quorum queue: a message that keeps failing here ends in the
                # DLQ after the delivery limit instead of looping.
                log.exception("%s: could not settle a message; requeueing it", queue.name)
                await message.reject(requeue=True)
                return
            await message.ack()

    async def _republish(
        self,
        body: bytes,
        headers: dict[str, Any],
        routing_key: str,
        exchange: str,
        reason: str,
        *,
        retries: int,
        message_id: str | None,
    ) -> None:
        headers = {k: v for k, v in headers.items() if not k.startswith("x-death")}
        headers.update(
            {
                RETRIES_HEADER: retries,
                ERROR_HEADER: reason,
                FAILED_AT_HEADER: datetime.now(UTC).isoformat(),
                SOURCE_QUEUE_HEADER: routing_key if exchange else routing_key.split(".retry.")[0],
            }
        )
        await self.broker.publish(
            body,
            exchange=exchange or None,
            routing_key=routing_key,
            headers=headers,
            message_id=message_id,
            content_type="application/json",
            persist=True,
            mandatory=True,
            timeout=self.settings.publish_timeout_s,
        )
