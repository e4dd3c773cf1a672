"""Leasing queued emails on PostgreSQL: one statement picks, locks and leases a batch, and
senders that lease at the same time never share a row."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from forum_notifications import repository
from forum_notifications.handlers import registration_handlers, schedule_handlers
from forum_notifications.models import Base, EmailRow
from forum_notifications.rendering import Renderer
from forum_notifications.use_cases import Mailer
from forum_shared.contracts import decode_data
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings
from sqlalchemy import select

from tests.notifications.factories import MAIL_FROM, attendee_registered, forum_updated

QUEUED = 12


@pytest.fixture
async def runtime(
    make_settings: Callable[..., ForumSettings], database_url: str
) -> AsyncIterator[ServiceRuntime]:
    settings = make_settings(database_url=database_url, mail_from=MAIL_FROM)
    runtime = ServiceRuntime("notifications", settings, Base.metadata)
    async with runtime.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    mailer = Mailer(Renderer(), settings.secret_key, settings.public_url, MAIL_FROM)
    handlers = {**schedule_handlers(), **registration_handlers(mailer)}
    for envelope in [forum_updated(), *(attendee_registered() for _ in range(QUEUED))]:
        async with runtime.uow() as uow:
            await handlers[envelope.type](envelope, decode_data(envelope), uow)
            await uow.commit()
    yield runtime
    await runtime.engine.dispose()


async def test_concurrent_leases_split_the_due_rows(runtime: ServiceRuntime) -> None:
    now = datetime.now(UTC)
    lease_until = now + timedelta(minutes=5)
    both_locked = asyncio.Barrier(2)

    async def lease(token: uuid.UUID) -> set[uuid.UUID]:
        async with runtime.uow() as uow:
            rows = await repository.claim_due(
                uow.session, now=now, lease_until=lease_until, token=token, limit=5
            )
            # Hold the row locks until the other sender has leased too.
            async with asyncio.timeout(10):
                await both_locked.wait()
            await uow.commit()
        assert all(row.claim_token == token for row in rows)
        return {row.id for row in rows}

    first, second = uuid.uuid4(), uuid.uuid4()
    a, b = await asyncio.gather(lease(first), lease(second))
    assert len(a) == len(b) == 5 and not a & b
    async with runtime.session_factory() as session:
        rows = (await session.scalars(select(EmailRow))).all()
    owners = {row.id: row.claim_token for row in rows}
    assert {i for i, token in owners.items() if token == first} == a
    assert {i for i, token in owners.items() if token == second} == b
    leased = [row for row in rows if row.claim_token is not None]
    assert all(row.next_attempt_at == lease_until for row in leased)
    assert sum(row.claim_token is None for row in rows) == QUEUED - 10
