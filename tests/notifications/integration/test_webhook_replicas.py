"""Two webhook senders on one PostgreSQL database share the due deliveries through
`FOR UPDATE SKIP LOCKED` and leases: each delivery is POSTed exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from forum_notifications.models import Base, WebhookDeliveryRow, WebhookEndpointRow
from forum_notifications.webhooks.domain import RetrySchedule
from forum_notifications.webhooks.intake import queue_deliveries
from forum_notifications.webhooks.sender import WebhookPolicy, WebhookSender
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings
from sqlalchemy import func, select

from tests.notifications.factories import attendee_registered

pytestmark = pytest.mark.integration


async def test_two_senders_never_post_the_same_delivery_twice(
    make_settings: Callable[..., ForumSettings], database_url: str
) -> None:
    runtime = ServiceRuntime(
        "notifications", make_settings(database_url=database_url), Base.metadata
    )
    async with runtime.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        now = datetime.now(UTC)
        async with runtime.uow() as uow:
            for n in range(3):
                uow.session.add(
                    WebhookEndpointRow(
                        id=uuid.uuid4(),
                        url=f"https://hooks{n}.test/",
                        secret="s" * 20,
                        event_filters=["#"],
                        enabled=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
            await uow.commit()
        async with runtime.uow() as uow:
            for _ in range(40):
                await queue_deliveries(uow, attendee_registered(), RetrySchedule(), now=now)
            await uow.commit()

        posted: Counter[str] = Counter()

        async def answer(request: httpx.Request) -> httpx.Response:
            posted[request.headers["forum-webhook-id"]] += 1
            await asyncio.sleep(0.01)
            return httpx.Response(204)

        policy = WebhookPolicy(concurrency=4)  # batches of 16: both senders get work
        senders = [WebhookSender(runtime.uow, policy) for _ in range(2)]

        async def drain(sender: WebhookSender, http: httpx.AsyncClient) -> int:
            handled = 0
            while (batch := await sender.send_due(http)) > 0:
                handled += batch
            return handled

        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
            shares = await asyncio.gather(*(drain(sender, http) for sender in senders))
        assert sum(shares) == 120 and all(share > 0 for share in shares)
        assert len(posted) == 120 and set(posted.values()) == {1}
        async with runtime.session_factory() as session:
            delivered = await session.scalar(
                select(func.count())
                .select_from(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.status == "delivered")
            )
        assert delivered == 120
    finally:
        await runtime.engine.dispose()
