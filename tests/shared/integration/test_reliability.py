"""The messaging guarantees, proven on a real RabbitMQ (one fresh vhost per test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aio_pika
import pytest
from aiormq.exceptions import PublishError
from forum_shared.messaging.outbox import OutgoingMessage
from forum_shared.messaging.rabbit import ERROR_HEADER, create_broker
from forum_shared.messaging.topology import (
    EVENTS_EXCHANGE_NAME,
    NOTIFICATIONS_REGISTRATION,
    NOTIFICATIONS_WEBHOOKS,
    UNROUTED_QUEUE_NAME,
)
from forum_shared.settings import ForumSettings
from sqlalchemy import select

from tests.shared.harness import ScriptedHandler, cancelled_event, count_effects
from tests.shared.integration.conftest import (
    eventually,
    get_one,
    harness_runtime,
    list_queues,
    publish_envelope,
)

pytestmark = pytest.mark.integration

SettingsFactory = Callable[..., ForumSettings]


async def test_topology_is_declared_twice_without_conflict_and_as_specified(
    make_settings: SettingsFactory, amqp_url: str
) -> None:
    settings = make_settings(amqp_url=amqp_url, delivery_limit=7)
    for _ in range(2):  # a second declaration with the same arguments must not raise 406
        runtime = harness_runtime(settings, ScriptedHandler())
        await runtime.start()
        await runtime.stop()
    queues = list_queues(amqp_url)
    work = queues["notifications.registration"]["arguments"]
    assert work["x-queue-type"] == "quorum"
    assert work["x-delivery-limit"] == 7
    assert work["x-dead-letter-exchange"] == "forum.dlx"
    assert work["x-dead-letter-strategy"] == "at-least-once"
    assert "notifications.registration.dlq" in queues
    assert queues["notifications.registration.retry.200ms"]["arguments"]["x-message-ttl"] == 200
    assert {"registration.schedule", "notifications.schedule", UNROUTED_QUEUE_NAME} <= set(queues)


async def test_an_unroutable_publish_raises(
    make_settings: SettingsFactory, amqp_url: str, amqp: aio_pika.abc.AbstractConnection
) -> None:
    channel = await amqp.channel()
    await channel.declare_exchange("test.nobody-listens", durable=False, auto_delete=True)
    broker = create_broker(make_settings(amqp_url=amqp_url), service="test")
    await broker.connect()
    try:
        with pytest.raises(PublishError):
            await broker.publish(
                b"{}", exchange="test.nobody-listens", routing_key="nowhere", timeout=5
            )
    finally:
        await broker.stop()


async def test_events_nobody_binds_are_kept_in_the_unrouted_queue(
    make_settings: SettingsFactory, amqp_url: str, amqp: aio_pika.abc.AbstractConnection
) -> None:
    runtime = harness_runtime(make_settings(amqp_url=amqp_url), ScriptedHandler())
    await runtime.start()
    try:
        assert runtime.bus is not None
        # `notifications.webhooks` binds `#` (every event may go to a webhook): without it,
        # as on a platform whose topology binds nothing to this key, the event is unrouted.
        channel = await amqp.channel()
        webhooks = await channel.get_queue(NOTIFICATIONS_WEBHOOKS.name, ensure=False)
        await webhooks.unbind(EVENTS_EXCHANGE_NAME, "#")
        event = cancelled_event()
        await runtime.bus.publish(OutgoingMessage(event.event_id, "notification.email.sent", b"{}"))
        kept = await get_one(amqp, UNROUTED_QUEUE_NAME)
        assert kept.message_id == str(event.event_id)
        assert kept.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    finally:
        await runtime.stop()


async def test_a_redelivered_event_has_no_second_effect(
    make_settings: SettingsFactory, amqp_url: str, amqp: aio_pika.abc.AbstractConnection
) -> None:
    handler = ScriptedHandler()
    runtime = harness_runtime(make_settings(amqp_url=amqp_url), handler)
    await runtime.start()
    try:
        event, later = cancelled_event(), cancelled_event()
        for envelope in (event, event, event, later):
            await publish_envelope(amqp, envelope)
        await eventually(lambda: _effects_exist(runtime, later.event_id))
        assert await count_effects(runtime.engine, event.event_id) == 1
        # The inbox claim comes before the handler: a redelivery, concurrent or not, never
        # runs it again (one call for `event`, one for `later`).
        assert handler.calls == 2
    finally:
        await runtime.stop()


async def test_the_outbox_row_survives_a_failed_publish_and_is_published_later(
    make_settings: SettingsFactory, amqp_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = ScriptedHandler()
    runtime = harness_runtime(make_settings(amqp_url=amqp_url), handler)
    await runtime.start()
    try:
        assert runtime.bus is not None
        real_publish = runtime.bus.publish
        broker_down = True

        async def flaky_publish(message: OutgoingMessage) -> None:
            if broker_down:
                raise ConnectionError("broker unreachable")
            await real_publish(message)

        monkeypatch.setattr(runtime.bus, "publish", flaky_publish)
        event = cancelled_event()
        async with runtime.uow() as uow:
            uow.record(event)
            await uow.commit()

        async def failed_once() -> bool:
            row = await _outbox_row(runtime, str(event.event_id))
            return row is not None and row["attempts"] >= 1

        await eventually(failed_once)
        row = await _outbox_row(runtime, str(event.event_id))
        assert row is not None
        assert row["published_at"] is None
        assert "broker unreachable" in row["last_error"]

        broker_down = False
        await eventually(lambda: _effects_exist(runtime, event.event_id))
        row = await _outbox_row(runtime, str(event.event_id))
        assert row is not None and row["published_at"] is not None
    finally:
        await runtime.stop()


async def test_a_poison_message_ends_in_the_dlq_with_its_reason_while_the_next_flows(
    make_settings: SettingsFactory, amqp_url: str, amqp: aio_pika.abc.AbstractConnection
) -> None:
    poison, healthy = cancelled_event(), cancelled_event()
    handler = ScriptedHandler(always_fail_ids={poison.event_id})
    runtime = harness_runtime(make_settings(amqp_url=amqp_url), handler)
    await runtime.start()
    try:
        await publish_envelope(amqp, poison)
        await publish_envelope(amqp, healthy)
        await eventually(lambda: _effects_exist(runtime, healthy.event_id))
        dead = await get_one(amqp, NOTIFICATIONS_REGISTRATION.dlq_name)
        assert dead.message_id is None or dead.body
        assert str(poison.event_id) in dead.body.decode()
        headers: dict[str, Any] = dict(dead.headers)
        assert "gave up after 3 retries" in str(headers[ERROR_HEADER])
        assert "poison" in str(headers[ERROR_HEADER])
        assert handler.calls >= 4 + 1  # first try + 3 retries, and the healthy one
    finally:
        await runtime.stop()


async def test_malformed_messages_go_to_the_dlq_and_never_stop_the_consumer(
    make_settings: SettingsFactory, amqp_url: str, amqp: aio_pika.abc.AbstractConnection
) -> None:
    runtime = harness_runtime(make_settings(amqp_url=amqp_url), ScriptedHandler())
    await runtime.start()
    try:
        await publish_envelope(amqp, b"\xff{definitely not json", key="registration.attendee.x")
        healthy = cancelled_event()
        await publish_envelope(amqp, healthy)
        await eventually(lambda: _effects_exist(runtime, healthy.event_id))
        dead = await get_one(amqp, NOTIFICATIONS_REGISTRATION.dlq_name)
        assert "undecodable" in str(dict(dead.headers)[ERROR_HEADER])
    finally:
        await runtime.stop()


async def test_the_broker_dead_letters_a_message_requeued_past_the_delivery_limit(
    make_settings: SettingsFactory, amqp_url: str, amqp: aio_pika.abc.AbstractConnection
) -> None:
    # Declare the topology, then play a consumer that crashes on the message every time.
    runtime = harness_runtime(make_settings(amqp_url=amqp_url, delivery_limit=3), ScriptedHandler())
    await runtime.start()
    await runtime.stop()
    event = cancelled_event()
    await publish_envelope(amqp, event)
    channel = await amqp.channel()
    queue = await channel.get_queue(NOTIFICATIONS_REGISTRATION.name)
    attempts = 0
    while attempts < 10:
        message = await queue.get(fail=False)
        if message is None:
            break
        attempts += 1
        await message.reject(requeue=True)
    assert attempts == 4  # the first delivery and three redeliveries, then the DLQ
    dead = await get_one(amqp, NOTIFICATIONS_REGISTRATION.dlq_name)
    assert str(event.event_id) in dead.body.decode()
    assert dict(dead.headers)["x-death"][0]["reason"] == "delivery_limit"


async def _effects_exist(runtime: Any, event_id: Any) -> bool:
    return bool(await count_effects(runtime.engine, event_id))


async def _outbox_row(runtime: Any, event_id: str) -> dict[str, Any] | None:
    table = runtime.outbox_table
    async with runtime.engine.connect() as connection:
        row = (
            (await connection.execute(select(table).where(table.c.event_id == event_id)))
            .mappings()
            .first()
        )
    return dict(row) if row else None
