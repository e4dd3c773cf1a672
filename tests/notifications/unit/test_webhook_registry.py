"""The webhook intake's pre-filter: events no enabled endpoint wants cost no transaction.

On SQLite without a broker: the app's own `notifications.webhooks` consumer is fed directly.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from forum_notifications.models import WebhookDeliveryRow, WebhookEndpointRow
from forum_notifications.webhooks.registry import EndpointRegistry
from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.registration import AttendeeErased
from forum_shared.messaging.consumer import Done, EventConsumer
from forum_shared.messaging.topology import NOTIFICATIONS_WEBHOOKS
from forum_shared.service import ServiceRuntime
from sqlalchemy import func, select

from tests.notifications.factories import FORUM, attendee_registered, forum_updated

AUTH = {"Authorization": "Bearer test-admin-token"}


def runtime_of(client: httpx.AsyncClient) -> ServiceRuntime:
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def webhook_consumer(client: httpx.AsyncClient) -> EventConsumer:
    return next(
        c for c in runtime_of(client).consumers if c.queue.name == NOTIFICATIONS_WEBHOOKS.name
    )


async def count(client: httpx.AsyncClient, table: object) -> int:
    async with runtime_of(client).session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


async def feed(client: httpx.AsyncClient, envelope: EventEnvelope) -> object:
    return await webhook_consumer(client).process(envelope.model_dump_json().encode())


async def add_endpoint(client: httpx.AsyncClient, filters: list[str], forum: str | None) -> str:
    body = {"url": "https://x.test/", "event_filters": filters, "forum_code": forum}
    answer = await client.post("/v1/webhooks", json=body, headers=AUTH)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def test_without_endpoints_an_event_is_acknowledged_with_no_inbox_row(
    client: httpx.AsyncClient,
) -> None:
    assert await feed(client, attendee_registered()) == Done(ignored=True)
    assert await count(client, runtime_of(client).inbox_table) == 0


async def test_an_endpoint_made_through_this_process_gets_the_very_next_event(
    client: httpx.AsyncClient,
) -> None:
    assert await feed(client, attendee_registered()) == Done(ignored=True)  # filters loaded
    endpoint = await add_endpoint(client, ["registration.#"], FORUM)
    assert await feed(client, attendee_registered()) == Done()
    assert await count(client, WebhookDeliveryRow) == 1
    assert await feed(client, forum_updated()) == Done(ignored=True)  # another filter
    disabled = await client.patch(f"/v1/webhooks/{endpoint}", json={"enabled": False}, headers=AUTH)
    assert disabled.status_code == 200
    assert await feed(client, attendee_registered()) == Done(ignored=True)
    assert await count(client, WebhookDeliveryRow) == 1


async def test_an_erasure_always_reaches_the_intake_and_scrubs_settled_bodies(
    client: httpx.AsyncClient,
) -> None:
    endpoint = await add_endpoint(client, ["registration.attendee.registered"], None)
    registered = attendee_registered()
    assert await feed(client, registered) == Done()
    async with runtime_of(client).uow() as uow:
        for row in await uow.session.scalars(select(WebhookDeliveryRow)):
            row.status = "delivered"
        await uow.commit()
    # Disabled: no enabled endpoint wants anything now, and none ever wanted the erasure.
    patched = await client.patch(f"/v1/webhooks/{endpoint}", json={"enabled": False}, headers=AUTH)
    assert patched.status_code == 200
    erased = EventEnvelope.wrap(
        AttendeeErased(registration_id=registered.data["registration_id"], version=2),
        producer="registration",
        forum=FORUM,
    )
    assert await feed(client, erased) == Done()
    async with runtime_of(client).session_factory() as session:
        bodies = [row.body for row in await session.scalars(select(WebhookDeliveryRow))]
    assert bodies == [""]


async def test_an_endpoint_made_through_another_replica_is_seen_within_the_window(
    client: httpx.AsyncClient,
) -> None:
    now = [100.0]
    registry = EndpointRegistry(
        runtime_of(client).session_factory, max_age_s=2.0, clock=lambda: now[0]
    )
    event = attendee_registered()
    assert not await registry.wants(event)
    async with runtime_of(client).uow() as uow:  # another replica's API, behind our back
        moment = datetime.now(UTC)
        uow.session.add(
            WebhookEndpointRow(
                id=uuid.uuid4(),
                url="https://x.test/",
                secret="s" * 20,
                event_filters=["registration.attendee.*"],
                forum_code=FORUM,
                enabled=True,
                created_at=moment,
                updated_at=moment,
            )
        )
        await uow.commit()
    now[0] += 1.9
    assert not await registry.wants(event)  # the documented window: up to 2 s
    now[0] += 0.1
    assert await registry.wants(event)
    other_forum = event.model_copy(update={"forum": "another-forum"})
    assert not await registry.wants(other_forum)
    assert not await registry.wants(forum_updated())
