"""The embedded bus routes like a topic exchange and settles outcomes like the RabbitMQ bus."""

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from forum_shared.db import UnitOfWork, create_engine
from forum_shared.messaging.consumer import EventConsumer
from forum_shared.messaging.inbox import define_inbox_table
from forum_shared.messaging.memory import InProcessBus, topic_matches
from forum_shared.messaging.outbox import OutgoingMessage, define_outbox_table, outbox_writer
from forum_shared.messaging.topology import NOTIFICATIONS_REGISTRATION, NOTIFICATIONS_SCHEDULE
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.shared.harness import ScriptedHandler, cancelled_event, count_effects, metadata

inbox = define_inbox_table(metadata)
outbox = define_outbox_table(metadata)


@pytest.mark.parametrize(
    ("binding", "key", "expected"),
    [
        ("schedule.#", "schedule.forum.updated", True),
        ("schedule.#", "schedule", True),
        ("schedule.#", "registration.attendee.registered", False),
        ("registration.attendee.*", "registration.attendee.registered", True),
        ("registration.attendee.*", "registration.agenda.changed", False),
        ("a.#.c", "a.c", True),
        ("a.#.c", "a.b.d.c", True),
        ("a.*.c", "a.b.d.c", False),
    ],
)
def test_topic_matching_follows_amqp_rules(binding: str, key: str, expected: bool) -> None:
    assert topic_matches(binding, key) is expected


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bus.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


def consumer(engine: AsyncEngine, handler: ScriptedHandler, queue=NOTIFICATIONS_REGISTRATION):  # type: ignore[no-untyped-def]
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return EventConsumer(
        queue=queue,
        handlers={"registration.attendee.cancelled": handler},
        uow_factory=lambda: UnitOfWork(sessions, write_outbox=outbox_writer(outbox)),
        inbox_table=inbox,
        retry_delays_ms=(20, 40),
    )


async def until(check, within_s: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within_s
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_events_reach_only_bound_consumers_and_transient_failures_are_retried(
    engine: AsyncEngine,
) -> None:
    registration_handler = ScriptedHandler(transient_failures=1)
    schedule_handler = ScriptedHandler()
    bus = InProcessBus()
    bus.add_consumers(
        [
            consumer(engine, registration_handler),
            consumer(engine, schedule_handler, NOTIFICATIONS_SCHEDULE),
        ]
    )
    await bus.start()
    try:
        event = cancelled_event()
        await bus.publish(
            OutgoingMessage(event.event_id, event.type, event.model_dump_json().encode())
        )

        async def handled() -> bool:
            return await count_effects(engine, event.event_id) == 1

        await until(handled)
        assert registration_handler.calls == 2
        assert schedule_handler.calls == 0
    finally:
        await bus.stop()


async def test_a_poison_message_is_kept_as_a_dead_letter_with_its_reason(
    engine: AsyncEngine,
) -> None:
    poison = cancelled_event()
    bus = InProcessBus()
    bus.add_consumers([consumer(engine, ScriptedHandler(always_fail_ids={poison.event_id}))])
    await bus.start()
    try:
        await bus.publish(
            OutgoingMessage(poison.event_id, poison.type, poison.model_dump_json().encode())
        )

        async def dead() -> bool:
            return bool(bus.dead_letters)

        await until(dead)
        [entry] = bus.dead_letters
        assert entry.queue == NOTIFICATIONS_REGISTRATION.name
        assert "gave up after 2 retries" in entry.reason
        assert (await bus.queue_stats())[NOTIFICATIONS_REGISTRATION.name] == (0, 1)
    finally:
        await bus.stop()
