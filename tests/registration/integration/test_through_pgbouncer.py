"""The registration service through PgBouncer in transaction pooling mode
(`FORUM_DATABASE_POOLER=pgbouncer`): migrations, registrations, the outbox and the inbox.

PgBouncer gets fewer server connections than the service has client connections, so
consecutive transactions of one client connection land on different server connections:
the case where asyncpg's named prepared statements go missing ("prepared statement
__asyncpg_stmt_… does not exist") unless the engine is configured for the pooler.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from forum_registration.models import ForumRow, RegistrationRow
from forum_shared.messaging.outbox import outbox_backlog
from forum_shared.settings import ForumSettings
from sqlalchemy import func, select

from tests.registration.helpers import FORUM, forum_updated, registration_body
from tests.registration.integration.conftest import Running, started
from tests.support import private_pgbouncer
from tests.support.private_pgbouncer import PrivatePgBouncer, through
from tests.support.services import unavailable

pytestmark = pytest.mark.integration
URL = f"/v1/forums/{FORUM}/registrations"


@pytest.fixture
def pgbouncer() -> Iterator[PrivatePgBouncer]:
    reason = private_pgbouncer.unavailable_reason()
    if reason:
        unavailable(f"the PgBouncer test needs a local pgbouncer: {reason}")
    pooler = PrivatePgBouncer(pool_size=3).start()
    try:
        yield pooler
    finally:
        pooler.stop()


@pytest.fixture
async def pooled(
    make_settings: Callable[..., ForumSettings],
    amqp_url: str,
    database_url: str,
    pgbouncer: PrivatePgBouncer,
) -> AsyncIterator[Running]:
    settings = make_settings(
        amqp_url=amqp_url,
        database_url=through(database_url, pgbouncer.port),
        database_pooler="pgbouncer",
        db_pool_size=10,
    )
    async with started(settings) as running:
        yield running


async def wait_for_forum(running: Running, within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if (await running.client.get(f"/v1/forums/{FORUM}/availability")).status_code == 200:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the forum never reached the registration service")


async def test_registrations_outbox_and_inbox_hold_through_pgbouncer(pooled: Running) -> None:
    forum = forum_updated(capacity=50)
    await pooled.publish(forum)
    await pooled.publish(forum)  # a redelivery: the inbox must take it once
    await wait_for_forum(pooled)

    answers = await asyncio.gather(
        *(
            pooled.client.post(URL, json=registration_body(email=f"u{i}@example.ru"))
            for i in range(60)
        ),
        pooled.client.post(URL, json=registration_body(email="u0@example.ru")),
    )
    codes = Counter(a.status_code for a in answers)
    assert codes == {201: 60, 409: 1}, [a.text for a in answers if a.status_code >= 500][:3]
    statuses = Counter(a.json().get("status") for a in answers if a.status_code == 201)
    assert statuses == {"confirmed": 50, "waitlisted": 10}

    events = await pooled.wait_for_events(60)
    ids = Counter(e["event_id"] for e in events)
    assert len(ids) == 60 and max(ids.values()) == 1, "each registration published once"

    runtime = pooled.runtime
    async with runtime.session_factory() as session:
        row = await session.get(ForumRow, FORUM)
        assert row is not None and row.confirmed_count == 50
        confirmed = await session.scalar(
            select(func.count()).where(RegistrationRow.status == "confirmed")
        )
        assert confirmed == 50
        inbox = runtime.inbox_table
        taken = await session.scalar(
            select(func.count()).select_from(inbox).where(inbox.c.event_id == str(forum.event_id))
        )
        assert taken == 1
        assert (await outbox_backlog(session, runtime.outbox_table))[0] == 0
