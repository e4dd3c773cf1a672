"""`Idempotency-Key` on PostgreSQL: replays, requests still running, reused keys, expiry."""

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


async def test_replay_reuse_and_expiry(running: Running) -> None:
    await deliver(running.runtime, forum_updated())
    headers = {"Idempotency-Key": "form-submit-1"}

    # A replay returns the same answer and creates nothing.
    first = await running.client.post(URL, json=registration_body(), headers=headers)
    again = await running.client.post(URL, json=registration_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await registrations(running) == 1
    async with running.runtime.session_factory() as session:
        outbox = running.runtime.outbox_table
        assert (await session.execute(select(func.count()).select_from(outbox))).scalar() == 1
        stored = await session.get(IdempotencyRow, "form-submit-1")
    assert stored is not None and first.json()["manage_token"] not in (stored.response_body or "")

    # The same key with another body is refused.
    other = await running.client.post(
        URL, json=registration_body(email="other@example.ru"), headers=headers
    )
    assert other.status_code == 422
    assert other.json()["error"] == "idempotency_mismatch"
    assert await registrations(running) == 1

    # After 24 h the key is forgotten: the request runs again (and meets the duplicate email).
    async with running.runtime.session_factory() as session:
        await session.execute(
            update(IdempotencyRow).values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
        await session.commit()
    later = await running.client.post(URL, json=registration_body(), headers=headers)
    assert later.status_code == 409
    assert later.json()["error"] == "duplicate_email"


async def test_while_the_first_runs_and_simultaneous_requests(running: Running) -> None:
    await deliver(running.runtime, forum_updated())
    body = registration_body(email="running@example.ru")
    keys = IdempotencyKeys(running.runtime.session_factory)
    # The first request has claimed the key and is still working on it.
    parsed = RegistrationRequest.model_validate(body).model_dump(mode="json")
    await keys.claim("k-3", fingerprint("POST", URL, parsed), datetime.now(UTC))
    replay = await running.client.post(URL, json=body, headers={"Idempotency-Key": "k-3"})
    assert replay.status_code == 409
    assert replay.json()["error"] == "idempotency_in_progress"
    assert await registrations(running) == 0

    headers = {"Idempotency-Key": "double-click"}
    answers = await asyncio.gather(
        *(running.client.post(URL, json=registration_body(), headers=headers) for _ in range(5))
    )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) >= 1 and set(codes) <= {201, 409}
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    assert await registrations(running) == 1
