"""`Idempotency-Key` on PostgreSQL: replays, requests still running, reused keys."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from forum_registration.idempotency import IdempotencyKeys, fingerprint
from forum_registration.models import IdempotencyRow, RegistrationRow
from forum_registration.schemas import RegistrationRequest
from sqlalchemy import func, select, update

from tests.registration.helpers import FORUM, deliver, forum_updated, registration_body
from tests.registration.integration.conftest import Running

pytestmark = pytest.mark.integration
URL = f"/v1/forums/{FORUM}/registrations"


async def registrations(running: Running) -> int:
    async with running.runtime.session_factory() as session:
        found = await session.execute(select(func.count()).select_from(RegistrationRow))
        return int(found.scalar_one())


async def test_a_replay_returns_the_same_answer_and_creates_nothing(running: Running) -> None:
    await deliver(running.runtime, forum_updated())
    headers = {"Idempotency-Key": "form-submit-1"}
    first = await running.client.post(URL, json=registration_body(), headers=headers)
    again = await running.client.post(URL, json=registration_body(), headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await registrations(running) == 1
    await running.wait_for_events(1)
    async with running.runtime.session_factory() as session:
        outbox = running.runtime.outbox_table
        assert (await session.execute(select(func.count()).select_from(outbox))).scalar() == 1
        stored = await session.get(IdempotencyRow, "form-submit-1")
    assert stored is not None and first.json()["manage_token"] not in (stored.response_body or "")


async def test_same_key_with_a_different_body_is_refused(running: Running) -> None:
    await deliver(running.runtime, forum_updated())
    headers = {"Idempotency-Key": "k-2"}
    assert (await running.client.post(URL, json=registration_body(), headers=headers)).is_success
    other = await running.client.post(
        URL, json=registration_body(email="other@example.ru"), headers=headers
    )
    assert other.status_code == 422
    assert other.json()["error"] == "idempotency_mismatch"
    assert await registrations(running) == 1


async def test_a_replay_while_the_first_request_runs_gets_409(running: Running) -> None:
    await deliver(running.runtime, forum_updated())
    body = registration_body()
    keys = IdempotencyKeys(running.runtime.session_factory)
    # The first request has claimed the key and is still working on it.
    await keys.claim("k-3", fingerprint("POST", URL, _parsed(body)), datetime.now(UTC))
    replay = await running.client.post(URL, json=body, headers={"Idempotency-Key": "k-3"})
    assert replay.status_code == 409
    assert replay.json()["error"] == "idempotency_in_progress"
    assert await registrations(running) == 0


async def test_simultaneous_requests_with_one_key_register_once(running: Running) -> None:
    await deliver(running.runtime, forum_updated())
    headers = {"Idempotency-Key": "double-click"}
    answers = await asyncio.gather(
        *(running.client.post(URL, json=registration_body(), headers=headers) for _ in range(5))
    )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) >= 1 and set(codes) <= {201, 409}
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    assert await registrations(running) == 1


async def test_after_24_hours_the_key_is_forgotten(running: Running) -> None:
    await deliver(running.runtime, forum_updated())
    headers = {"Idempotency-Key": "old"}
    first = await running.client.post(URL, json=registration_body(), headers=headers)
    async with running.runtime.session_factory() as session:
        await session.execute(
            update(IdempotencyRow).values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
        await session.commit()
    later = await running.client.post(URL, json=registration_body(), headers=headers)
    # Executed again: this time the email is already registered.
    assert first.status_code == 201 and later.status_code == 409
    assert later.json()["error"] == "duplicate_email"


def _parsed(body: dict[str, object]) -> object:
    return RegistrationRequest.model_validate(body).model_dump(mode="json")
