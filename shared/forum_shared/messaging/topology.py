"""The broker topology, declared in code: one place names every exchange, queue and binding.

- `forum.events` (topic): every domain event, routing key = event type.
- `forum.unrouted` (fanout, alternate exchange of `forum.events`): events no consumer is bound
  to yet (e.g. `notification.email.sent` before an integrator binds); kept, bounded, so
  mandatory publishing stays strict for everything else.
- One quorum queue per consumer purpose, `<service>.<purpose>`, with an explicit delivery
  limit (RabbitMQ 3.x has no default) and at-least-once dead-lettering to `<queue>.dlq`.
- Retries back off through `<queue>.retry.<ms>ms` delay queues (quorum too): a message waits
  out the TTL and is dead-lettered back to its work queue through the default exchange. No
  plugins.
- Every queue is a quorum queue, so it survives the loss of a minority of a cluster's nodes.
  No `x-quorum-initial-group-size` is set: RabbitMQ 3.10's default (`quorum_cluster_size`,
  3) gives three replicas on a cluster of three or more nodes, and leaving it out keeps
  existing declarations equivalent.

Every service declares the whole catalogue at start-up, so an event published before its
consumer has ever run still lands in that consumer's queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue

EVENTS_EXCHANGE_NAME = "forum.events"
UNROUTED_EXCHANGE_NAME = "forum.unrouted"
UNROUTED_QUEUE_NAME = "forum.unrouted"
DEAD_LETTER_EXCHANGE_NAME = "forum.dlx"
UNROUTED_MAX_LENGTH = 100_000

EVENTS_EXCHANGE = RabbitExchange(
    EVENTS_EXCHANGE_NAME,
    type=ExchangeType.TOPIC,
    durable=True,
    arguments={"alternate-exchange": UNROUTED_EXCHANGE_NAME},
)
UNROUTED_EXCHANGE = RabbitExchange(UNROUTED_EXCHANGE_NAME, type=ExchangeType.FANOUT, durable=True)
DEAD_LETTER_EXCHANGE = RabbitExchange(
    DEAD_LETTER_EXCHANGE_NAME, type=ExchangeType.DIRECT, durable=True
)
UNROUTED_QUEUE = RabbitQueue(
    UNROUTED_QUEUE_NAME,
    queue_type=QueueType.QUORUM,
    arguments={"x-max-length": UNROUTED_MAX_LENGTH, "x-overflow": "drop-head"},
)


@dataclass(frozen=True)
class ConsumerQueue:
    """A consumer purpose: its work queue, what it binds, and its dead-letter and delay queues."""

    name: str
    binding_keys: tuple[str, ...]
    description: str

    @property
    def dlq_name(self) -> str:
        return f"{self.name}.dlq"

    def retry_queue_name(self, delay_ms: int) -> str:
        return f"{self.name}.retry.{delay_ms}ms"


REGISTRATION_SCHEDULE = ConsumerQueue(
    "registration.schedule",
    ("schedule.#",),
    "Registration keeps its replica of forums and sessions (capacity, status).",
)
NOTIFICATIONS_REGISTRATION = ConsumerQueue(
    "notifications.registration",
    ("registration.#",),
    "Notifications keeps attendees and their agendas and emails them about their registration.",
)
NOTIFICATIONS_SCHEDULE = ConsumerQueue(
    "notifications.schedule",
    ("schedule.#",),
    "Notifications keeps the programme and sends change digests to the people a release affects.",
)
NOTIFICATIONS_WEBHOOKS = ConsumerQueue(
    "notifications.webhooks",
    ("#",),
    "Notifications queues a signed webhook delivery per event for each matching endpoint.",
)

CONSUMER_QUEUES: tuple[ConsumerQueue, ...] = (
    REGISTRATION_SCHEDULE,
    NOTIFICATIONS_REGISTRATION,
    NOTIFICATIONS_SCHEDULE,
    NOTIFICATIONS_WEBHOOKS,
)


def work_queue_arguments(queue: ConsumerQueue, *, delivery_limit: int) -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE_NAME,
        "x-dead-letter-routing-key": queue.name,
        # The source message is kept until the DLQ confirms it (needs reject-publish overflow).
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def work_queue(queue: ConsumerQueue, *, delivery_limit: int) -> RabbitQueue:
    return RabbitQueue(
        queue.name,
        queue_type=QueueType.QUORUM,
        arguments=cast(Any, work_queue_arguments(queue, delivery_limit=delivery_limit)),
        routing_key=queue.binding_keys[0],
    )


def dead_letter_queue(queue: ConsumerQueue) -> RabbitQueue:
    return RabbitQueue(queue.dlq_name, queue_type=QueueType.QUORUM, routing_key=queue.name)


def retry_queue(queue: ConsumerQueue, delay_ms: int) -> RabbitQueue:
    # A delay queue only holds messages for their TTL, then returns them to the work queue
    # through the default exchange. Quorum (message TTL needs RabbitMQ 3.10+), like every
    # other queue: a classic queue lives on one node, and while that node is down it can be
    # neither re-declared (404) nor published to, so a client reconnecting to another node
    # of a cluster could not restore its topology.
    return RabbitQueue(
        queue.retry_queue_name(delay_ms),
        queue_type=QueueType.QUORUM,
        arguments={
            "x-message-ttl": delay_ms,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": queue.name,
            # Kept until the work queue confirms it, as for the work queues' own DLX.
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )
