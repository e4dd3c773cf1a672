"""The embedded bus: the same topology, consumers and outcomes as RabbitMQ, inside one process.

Used by `forum dev` when no `FORUM_AMQP_URL` is set. Events still go through each service's
outbox, so nothing is lost while a use case commits; but a message the relay has handed
over and no consumer has finished yet lives only in memory. That is fine for a laptop and
not for production: the log says so at start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from forum_shared.messaging.consumer import DeadLetter, EventConsumer, Retry
from forum_shared.messaging.outbox import OutgoingMessage
from forum_shared.waiting import cancel_and_wait

log = logging.getLogger(__name__)


@cache
def topic_matches(binding_key: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` is zero or more words."""
    return _match(tuple(binding_key.split(".")), tuple(routing_key.split(".")))


def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[skip:]) for skip in range(len(words) + 1))
    if not words:
        return False
    return (head in ("*", words[0])) and _match(rest, words[1:])


@dataclass
class DeadLetterEntry:
    queue: str
    body: bytes
    reason: str
    failed_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class _Delivery:
    body: bytes
    retries: int = 0
    headers: dict[str, str] = field(default_factory=dict)


class InProcessBus:
    """One bus shared by every runtime in the process; each adds its consumers before start."""

    def __init__(self) -> None:
        self.consumers: list[EventConsumer] = []
        self.dead_letters: list[DeadLetterEntry] = []
        self._queues: dict[str, asyncio.Queue[_Delivery]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._started = False

    def add_consumers(self, consumers: Sequence[EventConsumer]) -> None:
        for consumer in consumers:
            if consumer.queue.name in self._queues:
                continue
            self.consumers.append(consumer)
            self._queues[consumer.queue.name] = asyncio.Queue()
            if self._started:
                self._start_worker(consumer)

    def _start_worker(self, consumer: EventConsumer) -> None:
        self._tasks.append(asyncio.create_task(self._work(consumer), name=consumer.queue.name))

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        log.warning(
            "in-process bus: events between services live in memory and are NOT durable; "
            "set FORUM_AMQP_URL to use RabbitMQ"
        )
        for consumer in self.consumers:
            self._start_worker(consumer)

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        self._started = False

    async def publish(self, message: OutgoingMessage) -> None:
        for consumer in self.consumers:
            if any(topic_matches(key, message.routing_key) for key in consumer.queue.binding_keys):
                delivery = _Delivery(message.body, headers=dict(message.headers))
                self._queues[consumer.queue.name].put_nowait(delivery)

    async def queue_stats(self) -> dict[str, tuple[int, int]]:
        running = {task.get_name() for task in self._tasks if not task.done()}
        return {
            name: (queue.qsize(), 1 if name in running else 0)
            for name, queue in self._queues.items()
        }

    async def _work(self, consumer: EventConsumer) -> None:
        queue = self._queues[consumer.queue.name]
        while True:
            delivery = await queue.get()
            try:
                outcome = await consumer.process(
                    delivery.body, retries=delivery.retries, headers=delivery.headers
                )
            except Exception as error:  # the consumer never raises; this is a last guard
                log.exception("%s: unexpected failure", consumer.queue.name)
                outcome = DeadLetter(f"unexpected failure: {error!r}")
            if isinstance(outcome, Retry):
                again = _Delivery(delivery.body, delivery.retries + 1, delivery.headers)
                self._later(outcome.delay_ms, queue, again)
            elif isinstance(outcome, DeadLetter):
                log.error("%s: dead-lettered: %s", consumer.queue.name, outcome.reason)
                self.dead_letters.append(
                    DeadLetterEntry(consumer.queue.name, delivery.body, outcome.reason)
                )

    def _later(self, delay_ms: int, queue: asyncio.Queue[_Delivery], delivery: _Delivery) -> None:
        def put() -> None:
            self._timers.discard(timer)
            queue.put_nowait(delivery)

        timer = asyncio.get_running_loop().call_later(delay_ms / 1000, put)
        self._timers.add(timer)
