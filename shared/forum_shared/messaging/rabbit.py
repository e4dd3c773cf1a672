"""The RabbitMQ side of the bus: the one broker factory, topology declaration, consumers.

FastStream 0.7 defaults that would lose or stall messages are overridden here on purpose:
returns raise (an unroutable publish is an error, not a silent success), prefetch is bounded,
every publish is persistent, mandatory and bounded by a timeout (enforced here: FastStream
drops it), shutdown waits for in-flight handlers, and acknowledgement is manual so each
outcome maps to exactly one broker action.

A cluster is named by listing its nodes in FORUM_AMQP_URL, comma-separated. The bus starts on
the first node that answers; when that node is lost, `NodeRotation` points the robust
connection at the next node and aio-pika's own recovery does the rest (see its docstring).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import aio_pika
from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.annotations import RabbitMessage
from yarl import URL

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
from forum_shared.waiting import cancel_and_wait

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
        "reconnect_interval": RECONNECT_INTERVAL_S,
        "log_level": logging.DEBUG,
    }


RECONNECT_INTERVAL_S = 1.0
NODE_PROBE_TIMEOUT_S = 3.0
READINESS_TIMEOUT_S = 5.0


def node_urls(amqp_url: str | None) -> list[str]:
    """FORUM_AMQP_URL as the list of its nodes: one URL, or several separated by commas."""
    urls = [part.strip() for part in (amqp_url or "").split(",") if part.strip()]
    if not urls:
        raise ValueError("FORUM_AMQP_URL is not set")
    for url in urls:
        parsed = URL(url)
        if parsed.scheme not in ("amqp", "amqps") or not parsed.host:
            where = url.rsplit("@", 1)[-1]  # never echo a password
            raise ValueError(f"FORUM_AMQP_URL: not an amqp:// URL with a host: {where}")
    return urls


async def first_live_node(
    urls: Sequence[str], *, probe_timeout_s: float = NODE_PROBE_TIMEOUT_S
) -> str:
    """The first node of the list that accepts an AMQP connection (tried in order)."""
    errors = []
    for url in urls:
        try:
            connection = await aio_pika.connect(url, timeout=probe_timeout_s)
        except (TimeoutError, OSError, *aio_pika.exceptions.CONNECTION_EXCEPTIONS) as error:
            errors.append(f"{URL(url).host}:{URL(url).port}: {type(error).__name__}")
            continue
        await connection.close()
        return url
    raise ConnectionError("no RabbitMQ node answers: " + "; ".join(errors))


class NodeRotation:
    """Keeps robust connections pointed at a live node of the cluster.

    aio-pika's `RobustConnection` reconnects to its public `url` attribute every
    `reconnect_interval` and, once connected, re-declares the exchanges and queues of its
    channels and restarts their consumers. It never changes `url` itself, so a connection
    whose node died would wait for that node. This moves `url` to the next node of the list
    when the connection is lost (a public close callback) and again while attempts keep
    failing (a watcher reading the public `connected` event). No private method is touched.
    """

    def __init__(self, urls: Sequence[str], *, interval: float = RECONNECT_INTERVAL_S):
        self.urls = [URL(url) for url in urls]
        self.interval = interval
        self._rotated_at: dict[int, float] = {}
        self._watchers: list[asyncio.Task[None]] = []

    def watch(self, connection: aio_pika.RobustConnection) -> None:
        if len(self.urls) < 2:
            return
        connection.close_callbacks.add(self._on_close)
        self._watchers.append(asyncio.create_task(self._watch(connection)))

    async def stop(self) -> None:
        await cancel_and_wait(self._watchers)
        self._watchers.clear()

    def next_url(self, current: URL) -> URL:
        place = [(u.host, u.port) for u in self.urls]
        index = (
            place.index((current.host, current.port))
            if (current.host, current.port) in place
            else -1
        )
        following = self.urls[(index + 1) % len(self.urls)]
        return following.with_query(current.query) if current.query else following

    def rotate(self, connection: aio_pika.Connection) -> None:
        old = connection.url
        connection.url = self.next_url(old)
        self._rotated_at[id(connection)] = time.monotonic()
        log.warning(
            "RabbitMQ node %s:%s unreachable; reconnecting through %s:%s",
            old.host,
            old.port,
            connection.url.host,
            connection.url.port,
        )

    def _on_close(self, connection: Any, *_: Any) -> None:
        if isinstance(connection, aio_pika.Connection) and not connection.close_called:
            self.rotate(connection)

    async def _watch(self, connection: aio_pika.RobustConnection) -> None:
        while not connection.is_closed and not connection.close_called:
            await asyncio.sleep(self.interval / 2)
            waited = time.monotonic() - self._rotated_at.get(id(connection), 0.0)
            # Give each node one attempt (attempts come every `interval`) before moving on.
            if not connection.connected.is_set() and waited >= 2 * self.interval:
                self.rotate(connection)


def create_broker(settings: ForumSettings, *, service: str, url: str | None = None) -> RabbitBroker:
    """The only place a `RabbitBroker` is made (a test forbids others).

    `url` picks one node of a cluster list; by default the first one listed.
    """
    return RabbitBroker(
        url or node_urls(settings.amqp_url)[0], **broker_options(settings, service=service)
    )


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
        self.urls = node_urls(settings.amqp_url)
        self.rotation = NodeRotation(self.urls)
        self.consumers = list(consumers)
        self.broker = self._make_broker(self.urls[0])
        self._connection: aio_pika.RobustConnection | None = None
        self._ops: aio_pika.RobustConnection | None = None

    def _make_broker(self, url: str) -> RabbitBroker:
        broker = create_broker(self.settings, service=self.service, url=url)
        self.broker = broker
        for consumer in self.consumers:
            self._subscribe(consumer)
        return broker

    @property
    def node(self) -> str | None:
        """host:port of the node the bus is connected to now (None while reconnecting)."""
        if self._connection is None or not self._connection.connected.is_set():
            return None
        return f"{self._connection.url.host}:{self._connection.url.port}"

    async def start(self) -> None:
        url = self.urls[0] if len(self.urls) == 1 else await first_live_node(self.urls)
        if url != self.urls[0]:
            self._make_broker(url)
        self._connection = await self.broker.connect()
        self.rotation.watch(self._connection)
        await declare_topology(
            self.broker,
            delivery_limit=self.settings.delivery_limit,
            retry_delays_ms=self.settings.retry_delays_ms,
        )
        await self.broker.start()
        self._ops = await aio_pika.connect_robust(
            url,
            connection_class=aio_pika.RobustConnection,
            client_properties={"connection_name": f"forum-{self.service}-ops"},
            reconnect_interval=RECONNECT_INTERVAL_S,
        )
        self.rotation.watch(self._ops)

    async def stop(self) -> None:
        await self.rotation.stop()
        await self.broker.stop()
        if self._ops is not None:
            await self._ops.close()

    async def publish(self, message: OutgoingMessage) -> None:
        await self._publish_confirmed(
            message.body,
            exchange=EVENTS_EXCHANGE,
            routing_key=message.routing_key,
            message_id=str(message.event_id),
            message_type=message.routing_key,
            content_type="application/json",
            headers=dict(message.headers),
            persist=True,
            mandatory=True,
        )

    async def _publish_confirmed(self, body: bytes, **options: Any) -> None:
        """Publish and wait for the broker's confirm; raises TimeoutError if the connection
        stays blocked for `publish_timeout_s`, or if the confirm takes that long.

        FastStream 0.7.8 accepts `timeout=` on `broker.publish` but never passes it on (only
        `request` uses it), so the bound is ours. While RabbitMQ blocks the connection (a
        memory or disk alarm: `connection.blocked`) nothing is written: aiormq would still
        send the frames, which the broker holds unread until the alarm clears, so every retry
        of a timed-out publish would add one more copy of the event to the queues then.
        (Only a publish written just before the block arrives can still be held that way:
        one extra copy at most, which the consumers' inboxes absorb.)
        A nack (e.g. a full queue with `x-overflow: reject-publish`) raises DeliveryError.
        """
        async with asyncio.timeout(self.settings.publish_timeout_s):
            await self._unblocked()
        # A budget of its own: a publish let through at the very end of the wait above must
        # not time out before its confirm and be sent again.
        async with asyncio.timeout(self.settings.publish_timeout_s):
            await self.broker.publish(body, **options)

    async def _unblocked(self) -> None:
        transport = self._connection.transport if self._connection is not None else None
        if transport is not None:
            # aiormq's `ready()`: connected and not blocked by the broker.
            await transport.ready()

    async def publishing_blocked(self) -> bool:
        """Whether the broker blocks this service's publishing connection (an alarm)."""
        try:
            async with asyncio.timeout(0.05):
                await self._unblocked()
        except TimeoutError:
            return self._connection is not None and self._connection.connected.is_set()
        return False

    async def queue_stats(self) -> dict[str, tuple[int, int]]:
        """(ready messages, consumers) of this service's work queues, read from the broker."""
        if self._ops is None or self._connection is None:
            raise RuntimeError("bus not started")
        if not self._connection.connected.is_set():
            # Between a node's loss and the reconnection the service cannot publish or consume.
            raise ConnectionError("reconnecting to RabbitMQ")
        # Shielded: cancelling a channel's open or close half-way makes RabbitMQ close the
        # whole connection (504 CHANNEL_ERROR), so a slow answer is abandoned, not cut short.
        reading = asyncio.ensure_future(self._read_queue_stats(self._ops))
        reading.add_done_callback(lambda done: done.cancelled() or done.exception())
        return await asyncio.wait_for(asyncio.shield(reading), READINESS_TIMEOUT_S)

    async def _read_queue_stats(
        self, connection: aio_pika.RobustConnection
    ) -> dict[str, tuple[int, int]]:
        channel = await connection.channel()
        try:
            stats = {}
            for consumer in self.consumers:
                queue = await channel.declare_queue(consumer.queue.name, passive=True)
                result = queue.declaration_result
                stats[consumer.queue.name] = (
                    result.message_count or 0,
                    result.consumer_count or 0,
                )
            return stats
        finally:
            await channel.close()

    def _subscribe(self, consumer: EventConsumer) -> None:
        queue = consumer.queue
        broker = self.broker

        @broker.subscriber(
            work_queue(queue, delivery_limit=self.settings.delivery_limit),
            EVENTS_EXCHANGE,
            ack_policy=AckPolicy.MANUAL,
            decoder=_raw_body,
            title=queue.name,
            description=queue.description,
        )
        async def consume(body: bytes) -> None:
            # Read from the context here rather than as a `message: RabbitMessage` parameter:
            # FastStream resolves such a parameter with a synchronous call that fast_depends
            # runs in a worker thread, a thread hop for every message consumed.
            message: RabbitMessage = broker.context.get_local("message")
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
        await self._publish_confirmed(
            body,
            exchange=exchange or None,
            routing_key=routing_key,
            headers=headers,
            message_id=message_id,
            content_type="application/json",
            persist=True,
            mandatory=True,
        )
