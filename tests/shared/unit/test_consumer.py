"""How one delivery is settled: effects once, retries with back-off, dead letters with reasons."""

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from forum_shared.contracts import EventEnvelope
from forum_shared.db import UnitOfWork, create_engine
from forum_shared.messaging.consumer import DeadLetter, Done, EventConsumer, Retry
from forum_shared.messaging.inbox import define_inbox_table
from forum_shared.messaging.outbox import define_outbox_table, outbox_writer
from forum_shared.messaging.topology import NOTIFICATIONS_REGISTRATION
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.shared.harness import ScriptedHandler, cancelled_event, count_effects, metadata

inbox = define_inbox_table(metadata)
outbox = define_outbox_table(metadata)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'unit.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


def consumer_for(engine: AsyncEngine, handler: ScriptedHandler) -> EventConsumer:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return EventConsumer(
        queue=NOTIFICATIONS_REGISTRATION,
        handlers={"registration.attendee.cancelled": handler},
        uow_factory=lambda: UnitOfWork(sessions, write_outbox=outbox_writer(outbox)),
        inbox_table=inbox,
        retry_delays_ms=(10, 20),
    )


async def test_a_redelivered_event_has_no_second_effect(engine: AsyncEngine) -> None:
    handler = ScriptedHandler()
    consumer = consumer_for(engine, handler)
    event = cancelled_event()
    body = event.model_dump_json().encode()
    assert await consumer.process(body) == Done()
    assert await consumer.process(body) == Done(duplicate=True)
    assert await count_effects(engine, event.event_id) == 1


async def test_transient_failures_retry_with_growing_delays_then_dead_letter(
    engine: AsyncEngine,
) -> None:
    handler = ScriptedHandler(transient_failures=5)
    consumer = consumer_for(engine, handler)
    body = cancelled_event().model_dump_json().encode()
    first = await consumer.process(body, retries=0)
    second = await consumer.process(body, retries=1)
    last = await consumer.process(body, retries=2)
    assert isinstance(first, Retry) and first.delay_ms == 10
    assert isinstance(second, Retry) and second.delay_ms == 20
    assert isinstance(last, DeadLetter) and "gave up after 2 retries" in last.reason
    assert await count_effects(engine) == 0


async def test_a_failed_attempt_leaves_no_partial_effect_and_a_later_one_succeeds(
    engine: AsyncEngine,
) -> None:
    consumer = consumer_for(engine, ScriptedHandler(transient_failures=1))
    event = cancelled_event()
    body = event.model_dump_json().encode()
    assert isinstance(await consumer.process(body), Retry)
    assert await inbox_rows(engine) == 0, "the failed attempt's inbox claim must roll back"
    assert await consumer.process(body, retries=1) == Done()
    assert await count_effects(engine, event.event_id) == 1
    assert await inbox_rows(engine) == 1


async def test_a_duplicate_is_settled_by_the_inbox_before_the_handler_runs(
    engine: AsyncEngine,
) -> None:
    handler = ScriptedHandler()
    consumer = consumer_for(engine, handler)
    body = cancelled_event().model_dump_json().encode()
    assert await consumer.process(body) == Done()
    assert await consumer.process(body) == Done(duplicate=True)
    assert await consumer.process(body, retries=2) == Done(duplicate=True)
    assert handler.calls == 1
    assert await inbox_rows(engine) == 1


async def inbox_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(inbox))).scalar_one())


async def test_permanent_errors_dead_letter_at_once(engine: AsyncEngine) -> None:
    event = cancelled_event()
    consumer = consumer_for(engine, ScriptedHandler(permanent_ids={event.event_id}))
    outcome = await consumer.process(event.model_dump_json().encode())
    assert isinstance(outcome, DeadLetter)
    assert "permanent error" in outcome.reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "undecodable"),
        (b'{"type": "registration.attendee.cancelled"}', "undecodable"),
        (
            b'{"type":"registration.attendee.vanished","version":1,"producer":"x",'
            b'"forum":"f","data":{}}',
            "no contract for registration.attendee.vanished v1",
        ),
        (
            b'{"type":"registration.attendee.cancelled","version":7,"producer":"x",'
            b'"forum":"f","data":{}}',
            "no contract for registration.attendee.cancelled v7",
        ),
        (
            b'{"type":"registration.attendee.cancelled","version":1,"producer":"x",'
            b'"forum":"f","data":{"registration_id":"not-a-uuid"}}',
            "undecodable",
        ),
    ],
)
async def test_malformed_or_unknown_messages_dead_letter_with_the_reason(
    engine: AsyncEngine, body: bytes, reason: str
) -> None:
    outcome = await consumer_for(engine, ScriptedHandler()).process(body)
    assert isinstance(outcome, DeadLetter)
    assert reason in outcome.reason


async def test_events_the_consumer_has_no_handler_for_are_acknowledged_and_ignored(
    engine: AsyncEngine,
) -> None:
    consumer = consumer_for(engine, ScriptedHandler())
    other = cancelled_event().model_copy(update={"type": "registration.attendee.erased"})
    assert await consumer.process(other.model_dump_json().encode()) == Done(ignored=True)


async def test_an_event_the_pre_filter_turns_down_is_ignored_without_a_transaction(
    engine: AsyncEngine,
) -> None:
    handler = ScriptedHandler()
    asked: list[str] = []
    opened: list[UnitOfWork] = []

    async def wanted(envelope: EventEnvelope) -> bool:
        asked.append(envelope.forum or "")
        return envelope.forum == "wanted-forum"

    consumer = consumer_for(engine, handler)
    factory = consumer.uow_factory

    def counting_factory() -> UnitOfWork:
        opened.append(factory())
        return opened[-1]

    consumer = replace(consumer, wanted=wanted, uow_factory=counting_factory)
    unwanted, welcome = cancelled_event(), cancelled_event()
    welcome = welcome.model_copy(update={"forum": "wanted-forum"})
    assert await consumer.process(unwanted.model_dump_json().encode()) == Done(ignored=True)
    assert handler.calls == 0 and opened == [] and await count_effects(engine) == 0
    assert await consumer.process(welcome.model_dump_json().encode()) == Done()
    assert handler.calls == 1 and len(opened) == 1
    assert await count_effects(engine, welcome.event_id) == 1
    assert asked == ["test-forum", "wanted-forum"]


async def test_a_failing_pre_filter_is_retried_like_a_failing_handler(engine: AsyncEngine) -> None:
    async def wanted(_envelope: EventEnvelope) -> bool:
        raise ConnectionError("database briefly unavailable")

    consumer = replace(consumer_for(engine, ScriptedHandler()), wanted=wanted)
    outcome = await consumer.process(cancelled_event().model_dump_json().encode())
    assert isinstance(outcome, Retry) and "ConnectionError" in outcome.reason


async def test_after_commit_callbacks_run_once_and_only_after_a_commit(
    engine: AsyncEngine,
) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    calls: list[str] = []
    async with UnitOfWork(sessions, write_outbox=outbox_writer(outbox)) as uow:
        uow.after_commit(lambda: calls.append("rolled back"))
    async with UnitOfWork(sessions, write_outbox=outbox_writer(outbox)) as uow:
        uow.after_commit(lambda: calls.append("committed"))
        assert calls == []
        await uow.commit()
        await uow.commit()  # a second commit has no callback of its own
    assert calls == ["committed"]
