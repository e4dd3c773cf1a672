"""Signed webhooks on real RabbitMQ and PostgreSQL, to a real HTTP receiver that verifies
the signature of every request it gets.

Time is compressed: production backs off from 10 s doubling to 1 h for 24 h, so a 5-minute
outage costs a delivery about five failed attempts (10+20+40+80+160 s). Here the back-off
starts at 20 ms and is capped at 200 ms, and the outage is measured in attempts rather than
minutes: the receiver answers 503 until every delivery has failed five times, then is down
(connection refused) until each has failed twice more, then recovers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from forum_notifications.main import create_app
from forum_notifications.settings import NotificationSettings
from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.common import LocalizedText
from forum_shared.contracts.schedule import HallUpdated
from forum_shared.messaging.topology import NOTIFICATIONS_WEBHOOKS
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings
from sqlalchemy import func, select

from tests.notifications.factories import FORUM, attendee_registered, forum_updated
from tests.notifications.integration.helpers import eventually, publish
from tests.notifications.webhook_receiver import Receiver

pytestmark = pytest.mark.integration

AUTH = {"Authorization": "Bearer test-admin-token"}
FAST = NotificationSettings(
    webhook_base_delay_ms=20,
    webhook_max_delay_ms=200,
    webhook_retry_window_s=120,
    webhook_timeout_s=2,
    webhook_poll_s=0.05,
)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.stop()


async def _running(settings: ForumSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings, FAST)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client


@pytest.fixture
async def platform_pg(
    make_settings: Callable[..., ForumSettings], amqp_url: str, database_url: str
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async for running in _running(make_settings(amqp_url=amqp_url, database_url=database_url)):
        yield running


@pytest.fixture
async def platform_sqlite(
    make_settings: Callable[..., ForumSettings], amqp_url: str
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async for running in _running(make_settings(amqp_url=amqp_url)):
        yield running


async def _register(client: httpx.AsyncClient, url: str, filters: list[str]) -> dict[str, Any]:
    answer = await client.post(
        "/v1/webhooks", json={"url": url, "event_filters": filters}, headers=AUTH
    )
    assert answer.status_code == 201, answer.text
    endpoint: dict[str, Any] = answer.json()
    assert endpoint["secret"].startswith("whsec_")
    return endpoint


async def _deliveries(client: httpx.AsyncClient, endpoint_id: str) -> list[dict[str, Any]]:
    answer = await client.get(f"/v1/webhooks/{endpoint_id}/deliveries", headers=AUTH)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _hall() -> EventEnvelope:
    return EventEnvelope.wrap(
        HallUpdated(
            hall_id=uuid.uuid4(),
            forum_code=FORUM,
            name=LocalizedText(ru="Зал «Волга»", en="Volga Hall"),
            capacity=300,
            version=1,
        ),
        producer="schedule",
        forum=FORUM,
    )


TRANSPORT_ERRORS = ("ConnectError", "RemoteProtocolError", "ReadError", "WriteError", "Timeout")


async def test_every_delivery_is_signed_and_survives_an_outage_without_loss_or_new_ids(
    platform_pg: tuple[FastAPI, httpx.AsyncClient], receiver: Receiver, amqp_url: str
) -> None:
    app, client = platform_pg
    endpoint = await _register(
        client, receiver.url, ["registration.attendee.*", "schedule.forum.updated"]
    )
    receiver.secret = endpoint["secret"]
    receiver.status = 503
    wanted = [forum_updated(), *(attendee_registered() for _ in range(8))]
    unwanted = _hall()  # matches no filter: never sent
    await publish(amqp_url, *wanted, unwanted)
    await publish(amqp_url, wanted[1])  # a redelivered event queues nothing twice
    await eventually(lambda: webhooks_consumed(app, wanted[-1].event_id), what="wanted consumed")

    # No endpoint wants the hall: acknowledged by the pre-filter, without an inbox row.
    async def unwanted_ignored() -> bool:
        return await webhooks_ignored(app) >= 1

    await eventually(unwanted_ignored, within_s=30, what="unwanted consumed")
    assert not await webhooks_consumed(app, unwanted.event_id)

    async def failed_at_least(times: int) -> bool:
        found = await _deliveries(client, endpoint["id"])
        return len(found) == len(wanted) and all(d["attempts"] >= times for d in found)

    await eventually(lambda: failed_at_least(5), within_s=30, what="five failed attempts each")
    await receiver.stop()  # down: connection refused
    down_since = {d["id"]: d["attempts"] for d in await _deliveries(client, endpoint["id"])}

    async def refused_twice() -> bool:
        found = await _deliveries(client, endpoint["id"])
        return all(d["attempts"] >= down_since[d["id"]] + 2 for d in found)

    await eventually(refused_twice, within_s=30, what="two refused attempts each")
    receiver.status = 200
    await receiver.start()  # recovers, same port

    async def all_delivered() -> bool:
        found = await _deliveries(client, endpoint["id"])
        return all(d["status"] == "delivered" for d in found)

    await eventually(all_delivered, within_s=30, what="every delivery made")

    assert receiver.requests and all(r.verified for r in receiver.requests)
    delivered_events = [r.headers["forum-event-id"] for r in receiver.delivered]
    assert sorted(delivered_events) == sorted(str(e.event_id) for e in wanted)  # once each
    assert str(unwanted.event_id) not in {r.headers["forum-event-id"] for r in receiver.requests}
    ids_per_event: dict[str, set[str]] = {}
    for request in receiver.requests:
        event_id = request.headers["forum-event-id"]
        ids_per_event.setdefault(event_id, set()).add(request.headers["forum-webhook-id"])
        assert request.envelope["event_id"] == event_id
        assert request.headers["forum-event-type"] == request.envelope["type"]
        assert request.headers["forum-timestamp"] in request.headers["forum-signature"]
    assert all(len(ids) == 1 for ids in ids_per_event.values())
    # The envelope arrives whole, exactly as published.
    first = next(r for r in receiver.delivered if r.envelope["event_id"] == str(wanted[0].event_id))
    assert EventEnvelope.model_validate_json(first.body) == wanted[0]

    log = await _deliveries(client, endpoint["id"])
    for delivery in log:
        codes = [a["response_code"] for a in delivery["attempt_log"]]
        assert codes[:5] == [503] * 5 and codes[-1] == 200
        assert None in codes  # refused while down
        assert delivery["attempts"] == len(codes) and delivery["response_code"] == 200
        assert all(a["latency_ms"] >= 0 for a in delivery["attempt_log"])
        refused = [a for a in delivery["attempt_log"] if a["response_code"] is None]
        # Refused, or cut off when the receiver went down mid-connection (a kept-alive
        # connection is reset rather than refused): a transport error either way, no code.
        assert all(any(kind in (a["error"] or "") for kind in TRANSPORT_ERRORS) for a in refused), (
            refused
        )
        assert delivery["next_attempt_at"] is None
    metrics = (await client.get("/metrics")).text
    assert 'forum_webhook_deliveries_total{outcome="delivered",service="notifications"} 9.0' in (
        metrics
    )
    assert 'outcome="retried"' in metrics


async def test_410_gone_disables_the_endpoint_and_replay_sends_again_with_the_same_ids(
    platform_sqlite: tuple[FastAPI, httpx.AsyncClient], receiver: Receiver, amqp_url: str
) -> None:
    app, client = platform_sqlite
    endpoint = await _register(client, receiver.url, ["#"])
    receiver.secret = endpoint["secret"]
    receiver.status = 410
    first = forum_updated()
    await publish(amqp_url, first)

    async def disabled() -> bool:
        answer = (await client.get(f"/v1/webhooks/{endpoint['id']}", headers=AUTH)).json()
        return answer["enabled"] is False

    await eventually(disabled, what="the endpoint disabled by 410")
    shown = (await client.get(f"/v1/webhooks/{endpoint['id']}", headers=AUTH)).json()
    assert "410" in shown["disabled_reason"] and shown["secret"] is None
    [gone] = await _deliveries(client, endpoint["id"])
    assert gone["status"] == "failed" and gone["response_code"] == 410 and gone["attempts"] == 1

    # A disabled endpoint is sent nothing more.
    later = attendee_registered()
    ignored = await webhooks_ignored(app)
    await publish(amqp_url, later)

    async def later_consumed() -> bool:
        # Through the intake while the endpoint filters are ≤ 2 s old, else ignored before it.
        return await webhooks_ignored(app) > ignored or await webhooks_consumed(app, later.event_id)

    await eventually(later_consumed, what="later event consumed")
    assert len(await _deliveries(client, endpoint["id"])) == 1
    assert len(receiver.requests) == 1

    # The integrator fixed their side: enable, replay the one that met the 410.
    receiver.status = 200
    enabled = await client.patch(
        f"/v1/webhooks/{endpoint['id']}", json={"enabled": True}, headers=AUTH
    )
    assert enabled.status_code == 200 and enabled.json()["disabled_reason"] is None
    replayed = await client.post(f"/v1/webhooks/deliveries/{gone['id']}/replay", headers=AUTH)
    assert replayed.status_code == 202 and replayed.json()["status"] == "pending"
    await eventually(lambda: _status_is(client, endpoint["id"], "delivered", 2), what="replay")
    # Replaying a delivered one sends it once more, with the same ids for deduplication.
    again = await client.post(f"/v1/webhooks/deliveries/{gone['id']}/replay", headers=AUTH)
    assert again.status_code == 202
    await eventually(lambda: _status_is(client, endpoint["id"], "delivered", 3), what="replay 2")
    assert all(r.verified for r in receiver.requests)
    assert {r.headers["forum-webhook-id"] for r in receiver.requests} == {gone["id"]}
    assert {r.headers["forum-event-id"] for r in receiver.requests} == {str(first.event_id)}
    assert [r.answered for r in receiver.requests] == [410, 200, 200]
    [done] = await _deliveries(client, endpoint["id"])
    assert done["status"] == "delivered" and done["attempts"] == 3
    missing = await client.post(f"/v1/webhooks/deliveries/{uuid.uuid4()}/replay", headers=AUTH)
    assert missing.status_code == 404


async def webhooks_ignored(app: FastAPI) -> float:
    """Events the webhook consumer acknowledged without a transaction (no endpoint wanted)."""
    runtime: ServiceRuntime = app.state.runtime
    labels = {
        "service": "notifications",
        "queue": NOTIFICATIONS_WEBHOOKS.name,
        "outcome": "ignored",
    }
    return runtime.registry.get_sample_value("forum_messages_handled_total", labels) or 0.0


async def webhooks_consumed(app: FastAPI, event_id: uuid.UUID) -> bool:
    """The webhook consumer (not just any consumer) has committed the event."""
    runtime: ServiceRuntime = app.state.runtime
    table = runtime.inbox_table
    async with runtime.session_factory() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(table)
            .where(table.c.event_id == str(event_id), table.c.consumer == "notifications.webhooks")
        )
    return bool(found)


async def _status_is(client: httpx.AsyncClient, endpoint_id: str, status: str, tries: int) -> bool:
    [delivery] = await _deliveries(client, endpoint_id)
    return bool(delivery["status"] == status and delivery["attempts"] == tries)
