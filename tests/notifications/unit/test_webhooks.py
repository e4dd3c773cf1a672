"""Webhook rules, the intake handler and the admin API's refusals, on SQLite without a broker."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from forum_notifications.models import WebhookDeliveryRow, WebhookEndpointRow
from forum_notifications.webhooks.domain import (
    RetrySchedule,
    delivery_id,
    filter_problem,
    matches,
    signature,
    url_problem,
)
from forum_notifications.webhooks.intake import queue_deliveries
from forum_shared.service import ServiceRuntime
from sqlalchemy import func, select

from tests.notifications.factories import FORUM, attendee_registered
from tests.notifications.webhook_receiver import verify

AUTH = {"Authorization": "Bearer test-admin-token"}


def test_signature_is_hmac_sha256_of_timestamp_dot_body_and_verifies() -> None:
    body = '{"type":"registration.attendee.registered","data":{"имя":"Мария"}}'.encode()
    header = signature("whsec_test", 1_700_000_000, body)
    expected = hmac.new(b"whsec_test", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify("whsec_test", header, body, now=1_700_000_100)
    assert not verify("whsec_other", header, body, now=1_700_000_100)
    assert not verify("whsec_test", header, body + b" ", now=1_700_000_100)
    assert not verify("whsec_test", header, body, now=1_700_000_000 + 301)  # too old


def test_filters_follow_amqp_topic_semantics_and_the_forum_filter() -> None:
    assert matches(["registration.attendee.*"], None, "registration.attendee.registered", "a")
    assert not matches(["registration.attendee.*"], None, "registration.agenda.changed", "a")
    assert matches(["schedule.#"], None, "schedule.session.changed", "a")
    assert matches(["#"], "a", "notification.email.sent", "a")
    assert not matches(["#"], "a", "notification.email.sent", "b")
    assert filter_problem("registration.attendee.*") is None and filter_problem("#") is None
    assert (
        filter_problem("registration..x") and filter_problem("Registration") and filter_problem("")
    )


def test_only_absolute_http_urls_are_endpoints() -> None:
    assert url_problem("https://crm.example.ru/hooks/forum") is None
    assert url_problem("http://user:pass@10.0.0.5:8080/x") is None
    for bad in (
        "ftp://x/y",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "/relative",
        "https://",
        "http://x:99999/",
        "https://a b/",
    ):
        assert url_problem(bad), bad


def test_back_off_doubles_up_to_the_cap_and_stops_at_the_window() -> None:
    schedule = RetrySchedule(timedelta(seconds=10), timedelta(hours=1), timedelta(hours=24))
    assert [schedule.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert schedule.delay(30) == timedelta(hours=1)
    now = datetime(2026, 11, 26, tzinfo=UTC)
    until = now + timedelta(seconds=15)
    assert schedule.next_attempt(1, now, until) == now + timedelta(seconds=10)
    assert schedule.next_attempt(2, now, until) == until  # the last try at the window's end
    assert schedule.next_attempt(3, until, until) is None


def test_delivery_ids_are_deterministic_per_event_and_endpoint() -> None:
    event, endpoint = uuid.uuid4(), uuid.uuid4()
    assert delivery_id(endpoint, event) == delivery_id(endpoint, event)
    assert delivery_id(endpoint, event) != delivery_id(uuid.uuid4(), event)


async def test_intake_queues_one_row_per_matching_endpoint_and_never_commits(
    client: httpx.AsyncClient,
) -> None:
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    async with runtime.uow() as uow:
        for filters, forum, enabled in (
            (["registration.attendee.*"], None, True),
            (["registration.#"], FORUM, True),
            (["schedule.#"], None, True),  # wrong filter
            (["#"], "another-forum", True),  # wrong forum
            (["#"], None, False),  # disabled
        ):
            uow.session.add(
                WebhookEndpointRow(
                    id=uuid.uuid4(),
                    url="https://x.test/",
                    secret="s" * 20,
                    event_filters=filters,
                    forum_code=forum,
                    enabled=enabled,
                    created_at=now,
                    updated_at=now,
                )
            )
        await uow.commit()
    event = attendee_registered()
    schedule = RetrySchedule()
    async with runtime.uow() as uow:
        assert await queue_deliveries(uow, event, schedule, now=now) == 2
        assert await queue_deliveries(uow, event, schedule, now=now) == 2  # again: no new rows
        # not committed by the handler: rolled back with the unit of work
    async with runtime.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookDeliveryRow)) == 0
    async with runtime.uow() as uow:
        await queue_deliveries(uow, event, schedule, now=now)
        await queue_deliveries(uow, event, schedule, now=now)
        await uow.commit()
    async with runtime.session_factory() as session:
        rows = (await session.scalars(select(WebhookDeliveryRow))).all()
    assert len(rows) == 2
    assert {row.id for row in rows} == {
        delivery_id(row.endpoint_id, event.event_id) for row in rows
    }
    # SQLite hands datetimes back naive (UTC)
    assert all(row.retry_until.replace(tzinfo=UTC) == now + timedelta(hours=24) for row in rows)


async def test_admin_api_creates_shows_the_secret_once_edits_and_deletes(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/v1/webhooks")).status_code == 401
    created = await client.post(
        "/v1/webhooks",
        json={
            "url": "https://crm.example.ru/forum",
            "event_filters": ["registration.#"],
            "forum_code": FORUM,
            "description": "CRM",
        },
        headers=AUTH,
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_") and len(endpoint["secret"]) > 40
    listed = (await client.get("/v1/webhooks", headers=AUTH)).json()
    assert [e["id"] for e in listed] == [endpoint["id"]] and listed[0]["secret"] is None
    own = await client.post(
        "/v1/webhooks",
        json={
            "url": "http://127.0.0.1:9/x",
            "event_filters": ["#"],
            "secret": "a-secret-of-mine-123",
        },
        headers=AUTH,
    )
    assert own.json()["secret"] == "a-secret-of-mine-123"

    patched = await client.patch(
        f"/v1/webhooks/{endpoint['id']}",
        json={
            "event_filters": ["schedule.session.*"],
            "forum_code": None,
            "enabled": False,
            "rotate_secret": True,
        },
        headers=AUTH,
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["event_filters"] == ["schedule.session.*"] and body["forum_code"] is None
    assert body["enabled"] is False and body["secret"] not in (None, endpoint["secret"])
    log = await client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=AUTH)
    assert log.status_code == 200 and log.json() == {"items": [], "count": 0}

    assert (await client.delete(f"/v1/webhooks/{endpoint['id']}", headers=AUTH)).status_code == 204
    assert (await client.get(f"/v1/webhooks/{endpoint['id']}", headers=AUTH)).status_code == 404
    assert (await client.delete(f"/v1/webhooks/{endpoint['id']}", headers=AUTH)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://files.example.ru/x", "event_filters": ["#"]}, "url"),
        ({"url": "javascript:alert(1)", "event_filters": ["#"]}, "url"),
        ({"url": "https://x.ru/", "event_filters": []}, "event_filters"),
        ({"url": "https://x.ru/", "event_filters": ["registration..x"]}, "event_filters"),
        ({"url": "https://x.ru/", "event_filters": ["#"], "secret": "short"}, "secret"),
        ({"url": "https://x.ru/", "event_filters": ["#"], "colour": "red"}, "colour"),
    ],
)
async def test_bad_endpoints_are_refused_with_a_readable_422(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    answer = await client.post("/v1/webhooks", json=body, headers=AUTH)
    assert answer.status_code == 422, answer.text
    assert answer.json()["fields"][0]["field"].startswith(field)
    assert (await client.get("/v1/webhooks", headers=AUTH)).json() == []


async def test_patch_refuses_bad_values_and_unknown_ids(client: httpx.AsyncClient) -> None:
    endpoint = (
        await client.post(
            "/v1/webhooks", json={"url": "https://x.ru/", "event_filters": ["#"]}, headers=AUTH
        )
    ).json()
    for bad in ({"url": "gopher://x"}, {"enabled": None}, {"event_filters": None}, {"url": None}):
        answer = await client.patch(f"/v1/webhooks/{endpoint['id']}", json=bad, headers=AUTH)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.json()["error"] == "validation_failed" and answer.json()["fields"]
    missing = await client.patch(f"/v1/webhooks/{uuid.uuid4()}", json={}, headers=AUTH)
    assert missing.status_code == 404
    assert (
        await client.get(f"/v1/webhooks/{uuid.uuid4()}/deliveries", headers=AUTH)
    ).status_code == 404


def test_the_verification_snippet_in_the_docs_accepts_our_signatures() -> None:
    import re
    import time
    from pathlib import Path

    docs = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"
    [snippet] = re.findall(r"```python\n(.*?)```", docs.read_text(), flags=re.S)
    scope: dict[str, object] = {}
    exec(snippet, scope)  # the integrators' code, as published
    check = scope["verify"]
    assert callable(check)
    body = attendee_registered().model_dump_json().encode()
    now = int(time.time())
    assert check("whsec_doc", signature("whsec_doc", now, body), body) is True
    assert check("whsec_doc", signature("whsec_doc", now - 301, body), body) is False
    assert check("whsec_doc", signature("whsec_x", now, body), body) is False


async def test_the_sender_retries_times_out_and_fails_at_the_end_of_the_window(
    client: httpx.AsyncClient,
) -> None:
    import asyncio

    from forum_notifications.models import WebhookAttemptRow
    from forum_notifications.webhooks.sender import WebhookPolicy, WebhookSender

    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    slow, broken = uuid.uuid4(), uuid.uuid4()
    async with runtime.uow() as uow:
        for endpoint_id, url in ((slow, "https://slow.test/"), (broken, "https://broken.test/")):
            uow.session.add(
                WebhookEndpointRow(
                    id=endpoint_id,
                    url=url,
                    secret="s" * 20,
                    event_filters=["#"],
                    enabled=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        await uow.commit()
    # The slow endpoint's delivery may be retried; the broken one's window is already over.
    event = attendee_registered()
    async with runtime.uow() as uow:
        await queue_deliveries(uow, event, RetrySchedule(), now=now)
        await uow.commit()
    async with runtime.uow() as uow:
        row = await uow.session.get(WebhookDeliveryRow, delivery_id(broken, event.event_id))
        assert row is not None
        row.retry_until = now
        await uow.commit()

    async def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "slow.test":
            await asyncio.sleep(2)
        return httpx.Response(500)

    policy = WebhookPolicy(
        schedule=RetrySchedule(timedelta(seconds=30), timedelta(hours=1), timedelta(hours=24)),
        timeout_s=0.2,
    )
    sender = WebhookSender(runtime.uow, policy)
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        assert await sender.send_due(http) == 2
        assert await sender.send_due(http) == 0  # nothing due: the retry is 30 s away
    async with runtime.session_factory() as session:
        rows = {r.endpoint_id: r for r in (await session.scalars(select(WebhookDeliveryRow)))}
        attempts = {a.delivery_id: a for a in (await session.scalars(select(WebhookAttemptRow)))}
    waiting, failed = rows[slow], rows[broken]
    assert waiting.status == "pending" and waiting.attempts == 1
    assert waiting.last_error == "timed out after 0.2 s" and waiting.response_code is None
    delay = waiting.next_attempt_at.replace(tzinfo=UTC) - now
    assert timedelta(seconds=29) < delay < timedelta(seconds=40)
    assert attempts[waiting.id].outcome == "retried" and attempts[waiting.id].latency_ms >= 150
    assert failed.status == "failed" and failed.response_code == 500
    assert failed.last_error == "HTTP 500" and attempts[failed.id].outcome == "failed"


async def test_erasure_empties_settled_bodies_of_that_person_and_replay_refuses_them(
    client: httpx.AsyncClient,
) -> None:
    from forum_shared.contracts import EventEnvelope
    from forum_shared.contracts.registration import AttendeeErased

    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    endpoint = (
        await client.post(
            "/v1/webhooks", json={"url": "https://x.ru/", "event_filters": ["#"]}, headers=AUTH
        )
    ).json()
    gone, kept = attendee_registered(), attendee_registered()
    now = datetime.now(UTC)
    async with runtime.uow() as uow:
        await queue_deliveries(uow, gone, RetrySchedule(), now=now)
        await queue_deliveries(uow, kept, RetrySchedule(), now=now)
        await uow.commit()
    async with runtime.uow() as uow:
        for row in await uow.session.scalars(select(WebhookDeliveryRow)):
            row.status = "delivered"
        await uow.commit()
    registration_id = gone.data["registration_id"]
    erased = EventEnvelope.wrap(
        AttendeeErased(registration_id=registration_id, version=2),
        producer="registration",
        forum=FORUM,
    )
    async with runtime.uow() as uow:
        await queue_deliveries(uow, erased, RetrySchedule(), now=now)
        await uow.commit()
    async with runtime.session_factory() as session:
        rows = {r.event_id: r for r in await session.scalars(select(WebhookDeliveryRow))}
    assert rows[gone.event_id].body == "" and "maria@example.ru" in rows[kept.event_id].body
    assert str(registration_id) in rows[erased.event_id].body  # the erasure itself is sent
    endpoint_id = uuid.UUID(endpoint["id"])
    refused = await client.post(
        f"/v1/webhooks/deliveries/{delivery_id(endpoint_id, gone.event_id)}/replay", headers=AUTH
    )
    assert refused.status_code == 409 and refused.json()["detail"]["error"] == "erased"
