"""Operator tools for dead letters: list, show, replay and purge `<queue>.dlq` on RabbitMQ.

AMQP cannot browse a queue, so listing takes messages without acknowledging them and closes
the channel, which returns every one of them to the DLQ untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from forum_shared.messaging.rabbit import (
    ERROR_HEADER,
    FAILED_AT_HEADER,
    RETRIES_HEADER,
    first_live_node,
    node_urls,
)
from forum_shared.messaging.topology import CONSUMER_QUEUES


class UnknownQueueError(ValueError):
    pass


async def _connect(amqp_url: str) -> aio_pika.abc.AbstractConnection:
    # FORUM_AMQP_URL may list a cluster's nodes: any live one serves an operator's command.
    return await aio_pika.connect(await first_live_node(node_urls(amqp_url)))


def resolve_queue(name: str) -> str:
    """The work queue a name refers to: `notifications.registration` or its `.dlq`."""
    work = name.removesuffix(".dlq")
    known = {queue.name for queue in CONSUMER_QUEUES}
    if work not in known:
        raise UnknownQueueError(f"unknown queue {name!r}; known: {', '.join(sorted(known))}")
    return work


@dataclass(frozen=True)
class DeadLetterView:
    position: int
    message_id: str | None
    event_id: str | None
    event_type: str | None
    reason: str
    failed_at: str | None
    retries: int
    body: bytes
    headers: dict[str, Any]

    def summary(self) -> str:
        return (
            f"{self.position:>4}  {self.event_id or self.message_id or '-':36}  "
            f"{self.event_type or '?':40}  {self.reason[:120]}"
        )


def _describe(position: int, message: AbstractIncomingMessage) -> DeadLetterView:
    headers: dict[str, Any] = dict(message.headers or {})
    reason = headers.get(ERROR_HEADER)
    if reason is None and headers.get("x-death"):
        death = headers["x-death"][0]
        reason = (
            f"broker: {death.get('reason')} (delivery limit or rejected by a crashing consumer)"
        )
    event_id = event_type = None
    try:
        body = json.loads(message.body)
        event_id, event_type = body.get("event_id"), body.get("type")
    except (ValueError, AttributeError):
        pass
    return DeadLetterView(
        position=position,
        message_id=message.message_id,
        event_id=event_id,
        event_type=event_type,
        reason=str(reason or "unknown"),
        failed_at=str(headers.get(FAILED_AT_HEADER) or "") or None,
        retries=_as_int(headers.get(RETRIES_HEADER)),
        body=message.body,
        headers=headers,
    )


def _as_int(value: Any) -> int:
    # A dead letter may carry anything in its headers; listing must never crash on one.
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


async def _take(channel: AbstractChannel, dlq: str, limit: int) -> list[AbstractIncomingMessage]:
    queue = await channel.get_queue(dlq, ensure=True)
    taken: list[AbstractIncomingMessage] = []
    while len(taken) < limit:
        message = await queue.get(no_ack=False, fail=False, timeout=5)
        if message is None:
            break
        taken.append(message)
    return taken


async def list_dead_letters(amqp_url: str, queue: str, *, limit: int = 100) -> list[DeadLetterView]:
    dlq = resolve_queue(queue) + ".dlq"
    connection = await _connect(amqp_url)
    try:
        channel = await connection.channel()
        messages = await _take(channel, dlq, limit)
        views = [_describe(i + 1, m) for i, m in enumerate(messages)]
        await channel.close()  # returns every taken message to the DLQ
        return views
    finally:
        await connection.close()


def _matches(view: DeadLetterView, ids: set[str] | None) -> bool:
    return ids is None or bool({view.event_id, view.message_id} & ids)


async def replay_dead_letters(
    amqp_url: str, queue: str, *, ids: set[str] | None = None, limit: int = 10_000
) -> int:
    """Send dead letters back to their work queue (all, or those with the given ids)."""
    work = resolve_queue(queue)
    connection = await _connect(amqp_url)
    replayed = 0
    try:
        channel = await connection.channel(publisher_confirms=True)
        for index, message in enumerate(await _take(channel, work + ".dlq", limit)):
            if not _matches(_describe(index + 1, message), ids):
                continue
            headers = {
                k: v
                for k, v in (message.headers or {}).items()
                if k not in ("x-death", RETRIES_HEADER, ERROR_HEADER, FAILED_AT_HEADER)
            }
            headers["x-forum-replayed"] = True
            await channel.default_exchange.publish(
                aio_pika.Message(
                    message.body,
                    headers=headers,
                    message_id=message.message_id,
                    content_type=message.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=work,
                mandatory=True,
                timeout=10,
            )
            await message.ack()  # only after the broker confirmed the copy
            replayed += 1
        await channel.close()
    finally:
        await connection.close()
    return replayed


async def purge_dead_letters(amqp_url: str, queue: str, *, ids: set[str] | None = None) -> int:
    dlq = resolve_queue(queue) + ".dlq"
    connection = await _connect(amqp_url)
    try:
        channel = await connection.channel()
        if ids is None:
            result = await (await channel.get_queue(dlq, ensure=True)).purge()
            return int(result.message_count or 0)
        purged = 0
        for index, message in enumerate(await _take(channel, dlq, 10_000)):
            if _matches(_describe(index + 1, message), ids):
                await message.ack()
                purged += 1
        await channel.close()
        return purged
    finally:
        await connection.close()
