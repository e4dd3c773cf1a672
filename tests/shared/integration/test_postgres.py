"""Outbox and inbox under concurrency on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from forum_shared.db import UnitOfWork, create_engine
from forum_shared.messaging.consumer import Done, EventConsumer
from forum_shared.messaging.inbox import define_inbox_table
from forum_shared.messaging.outbox import (
    OutboxRelay,
    OutgoingMessage,
    define_outbox_table,
    outbox_backlog,
    outbox_writer,
)
from forum_shared.messaging.topology import NOTIFICATIONS_REGISTRATION
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from tests.shared.harness import ScriptedHandler, cancelled_event, count_effects, metadata

pytestmark = pytest.mark.integration

outbox = define_outbox_table(metadata)
inbox = define_inbox_table(metadata)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=10)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def test_three_relays_share_the_outbox_and_publish_every_event_once(
    engine: AsyncEngine,
) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    event_ids = [str(uuid.uuid4()) for _ in range(2000)]
    async with engine.begin() as connection:
        await connection.execute(
            insert(outbox),
            [
                {"event_id": e, "routing_key": "t.e.s", "body": "{}", "attempts": 0}
                for e in event_ids
            ],
        )
    published: Counter[str] = Counter()
    by_relay: Counter[int] = Counter()

    def publisher(relay_number: int):  # type: ignore[no-untyped-def]
        async def publish(message: OutgoingMessage) -> None:
            await asyncio.sleep(0)  # let the other relays interleave
            published[str(message.event_id)] += 1
            by_relay[relay_number] += 1

        return publish

    relays = [OutboxRelay(sessions, outbox, publisher(n), batch_size=50) for n in range(3)]

    async def drain(relay: OutboxRelay) -> None:
        while await relay.publish_batch():
            pass

    await asyncio.gather(*(drain(relay) for relay in relays))
    assert set(published) == set(event_ids)
    assert max(published.values()) == 1
    assert len(by_relay) == 3, "every relay should have taken part of the work"
    async with sessions() as session:
        assert (await outbox_backlog(session, outbox))[0] == 0


async def test_concurrent_deliveries_of_one_event_have_one_effect(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    handler = ScriptedHandler()
    consumer = EventConsumer(
        queue=NOTIFICATIONS_REGISTRATION,
        handlers={"registration.attendee.cancelled": handler},
        uow_factory=lambda: UnitOfWork(sessions, write_outbox=outbox_writer(outbox)),
        inbox_table=inbox,
    )
    event = cancelled_event()
    body = event.model_dump_json().encode()
    outcomes = await asyncio.gather(*(consumer.process(body) for _ in range(5)))
    # The first claim wins; the others wait for its commit on the inbox key, then see it.
    assert sorted(outcomes, key=str) == [Done()] + [Done(duplicate=True)] * 4
    assert handler.calls == 1
    assert await count_effects(engine, event.event_id) == 1


async def test_a_delivery_waiting_on_a_failed_claim_handles_the_event_itself(
    engine: AsyncEngine,
) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    handler = ScriptedHandler(transient_failures=1)
    consumer = EventConsumer(
        queue=NOTIFICATIONS_REGISTRATION,
        handlers={"registration.attendee.cancelled": handler},
        uow_factory=lambda: UnitOfWork(sessions, write_outbox=outbox_writer(outbox)),
        inbox_table=inbox,
    )
    event = cancelled_event()
    body = event.model_dump_json().encode()
    outcomes = await asyncio.gather(consumer.process(body), consumer.process(body))
    # The first attempt fails and its claim rolls back; the other then claims the event.
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Done", "Retry"]
    assert Done() in outcomes
    assert handler.calls == 2
    assert await count_effects(engine, event.event_id) == 1
