"""The first flow on real services: forum event in, registration over HTTP, event out."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from forum_registration.models import ConsentRow, RegistrationRow, SessionRow
from forum_shared.links import manage_token
from sqlalchemy import func, select, text

from tests.registration.helpers import (
    FORUM,
    deliver,
    forum_updated,
    registration_body,
    session_changed,
)
from tests.registration.integration.conftest import Running

pytestmark = pytest.mark.integration


async def wait_for_forum(running: Running, code: str = FORUM, within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if (await running.client.get(f"/v1/forums/{code}/availability")).status_code == 200:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the forum never reached the registration replica")


async def wait_for_session(running: Running, sid: uuid.UUID, within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        async with running.runtime.session_factory() as session:
            if await session.get(SessionRow, sid) is not None:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the session never reached the registration replica")


async def count(running: Running, model: type) -> int:
    async with running.runtime.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_forum_event_then_registration_then_event_on_the_bus(running: Running) -> None:
    sid = uuid.uuid4()
    await running.publish(forum_updated(capacity=100))
    await running.publish(session_changed(sid, capacity=50))
    await wait_for_forum(running)
    await wait_for_session(running, sid)

    response = await running.client.post(
        f"/v1/forums/{FORUM}/registrations", json=registration_body(session_ids=[str(sid)])
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "confirmed"
    secret = running.runtime.settings.secret_key
    assert body["manage_token"] == manage_token(secret, uuid.UUID(body["id"]), 1)
    assert body["manage_url"].endswith(f"/manage/{body['id']}?token={body['manage_token']}")
    async with running.runtime.session_factory() as session:
        row = await session.get(RegistrationRow, uuid.UUID(body["id"]))
    assert row is not None and row.full_name == "Иванова Мария Сергеевна"
    assert await count(running, ConsentRow) == 2

    [event] = await running.wait_for_events(1)
    assert event["type"] == "registration.attendee.registered"
    assert event["producer"] == "registration"
    assert event["data"]["registration_id"] == body["id"]
    assert event["data"]["link_generation"] == 1
    assert event["data"]["status"] == "confirmed"
    assert event["data"]["agenda"] == [{"session_id": str(sid), "status": "confirmed"}]
    assert body["manage_token"] not in str(event)


async def test_when_the_commit_fails_there_is_neither_row_nor_event(running: Running) -> None:
    await deliver(running.runtime, forum_updated())
    async with running.runtime.engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE FUNCTION refuse_outbox() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'outbox refused'; END $$ LANGUAGE plpgsql"
            )
        )
        # Deferred: the insert succeeds, the COMMIT itself fails.
        await connection.execute(
            text(
                "CREATE CONSTRAINT TRIGGER refuse_outbox AFTER INSERT ON outbox "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_outbox()"
            )
        )

    response = await running.client.post(
        f"/v1/forums/{FORUM}/registrations", json=registration_body()
    )

    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert await count(running, RegistrationRow) == 0
    assert await count(running, ConsentRow) == 0
    async with running.runtime.session_factory() as session:
        outbox = running.runtime.outbox_table
        assert (await session.execute(select(func.count()).select_from(outbox))).scalar() == 0

    async with running.runtime.engine.begin() as connection:
        await connection.execute(text("DROP TRIGGER refuse_outbox ON outbox"))
    retried = await running.client.post(
        f"/v1/forums/{FORUM}/registrations", json=registration_body()
    )
    assert retried.status_code == 201
    assert await count(running, RegistrationRow) == 1


async def test_readable_refusals(running: Running) -> None:
    url = f"/v1/forums/{FORUM}/registrations"
    unknown = await running.client.post(url, json=registration_body())
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "Форум не найден"

    await deliver(running.runtime, forum_updated())
    bad = await running.client.post(
        url,
        json=registration_body(full_name="Иван\r\nBcc: all@example.ru", consents={}),
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 422
    fields = {f["field"]: f["message"] for f in bad.json()["fields"]}
    assert "control characters" in fields["full_name"]
    assert "consent" in fields["consents.personal_data"]

    enum = await running.client.post(url, json=registration_body(category="vip"))
    assert enum.status_code == 422
    assert enum.json()["fields"][0]["field"] == "category"

    first = await running.client.post(url, json=registration_body())
    assert first.status_code == 201
    second = await running.client.post(
        url, json=registration_body(email="M.IVANOVA@example.ru", full_name="Петров Пётр")
    )
    assert second.status_code == 409
    assert second.json()["error"] == "duplicate_email"
    leaked = second.text
    assert first.json()["id"] not in leaked and "Иванова" not in leaked
    assert "manage_token" not in second.json()

    closed_at = datetime.now(UTC) - timedelta(hours=1)
    await deliver(running.runtime, forum_updated(version=2, closes_at=closed_at))
    closed = await running.client.post(
        url, json=registration_body(email="late@example.ru"), headers={"Accept-Language": "en"}
    )
    assert closed.status_code == 409
    assert closed.json()["error"] == "registration_closed"
    assert closed.json()["message"].startswith("Registration closed at 20")
