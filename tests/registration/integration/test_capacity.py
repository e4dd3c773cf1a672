"""Capacity under concurrency on PostgreSQL: the forum row lock lets no extra place through."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from forum_registration.models import ForumRow, RegistrationRow
from forum_registration.schemas import RegistrationRequest
from forum_registration.use_cases import Registered, register_attendee
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.registration.helpers import (
    FORUM,
    deliver,
    forum_updated,
    registration_body,
    session_changed,
)
from tests.registration.integration.conftest import Running

pytestmark = pytest.mark.integration


async def test_200_simultaneous_registrations_for_100_places(running: Running) -> None:
    await deliver(running.runtime, forum_updated(capacity=100))
    url = f"/v1/forums/{FORUM}/registrations"
    started = time.monotonic()
    answers = await asyncio.gather(
        *(
            running.client.post(url, json=registration_body(email=f"a{i}@example.ru"))
            for i in range(200)
        )
    )
    elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [201] * 200
    statuses = Counter(a.json()["status"] for a in answers)
    assert statuses == {"confirmed": 100, "waitlisted": 100}
    forum = (await running.client.get(f"/v1/forums/{FORUM}/availability")).json()
    assert forum["places_left"] == 0
    print(f"200 concurrent registrations in {elapsed:.2f} s")


async def test_simultaneous_cancellations_and_agenda_changes(running: Running) -> None:
    """10 confirmed cancel at once: exactly the 10 waiting get their places. Then those 10 add
    a 5-seat session at once: exactly 5 seats, 5 on its waitlist. Then cancellations and
    agenda changes race each other. No request fails."""
    sid = uuid.uuid4()
    await deliver(running.runtime, forum_updated(capacity=10))
    await deliver(running.runtime, session_changed(sid, capacity=5))
    url = f"/v1/forums/{FORUM}/registrations"
    people = [
        (await running.client.post(url, json=registration_body(email=f"c{i}@example.ru"))).json()
        for i in range(20)
    ]
    leaving, waiting = people[:10], people[10:]
    assert {p["status"] for p in leaving} == {"confirmed"}
    assert {p["status"] for p in waiting} == {"waitlisted"}

    def bearer(person: dict[str, str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {person['manage_token']}"}

    cancels = await asyncio.gather(
        *(
            running.client.post(f"/v1/registrations/{p['id']}/cancel", headers=bearer(p))
            for p in leaving
        )
    )
    assert [c.status_code for c in cancels] == [200] * 10
    admin = {"Authorization": "Bearer test-admin-token"}
    summary = (await running.client.get(f"{url}/summary", headers=admin)).json()
    assert summary["by_status"] == {"confirmed": 10, "cancelled": 10}

    agendas = await asyncio.gather(
        *(
            running.client.put(
                f"/v1/registrations/{p['id']}/agenda",
                json={"session_ids": [str(sid)]},
                headers=bearer(p),
            )
            for p in waiting
        )
    )
    assert [a.status_code for a in agendas] == [200] * 10
    seats = Counter(a.json()["agenda"][0]["status"] for a in agendas)
    assert seats == {"confirmed": 5, "waitlisted": 5}
    summary = (await running.client.get(f"{url}/summary", headers=admin)).json()
    assert summary["by_session"] == {str(sid): {"confirmed": 5, "waitlisted": 5}}
    signed_up = await running.client.get(url, headers=admin, params={"session_id": str(sid)})
    assert signed_up.json()["total"] == 10

    # At once: seat holders cancel (their seats pass down the session's queue) while those
    # queued leave the session. The forum lock orders them; nobody deadlocks or fails.
    holders = [
        p
        for p, a in zip(waiting, agendas, strict=True)
        if a.json()["agenda"][0]["status"] == "confirmed"
    ]
    queued = [p for p in waiting if p not in holders]
    mixed = await asyncio.gather(
        *(
            running.client.post(f"/v1/registrations/{p['id']}/cancel", headers=bearer(p))
            for p in holders
        ),
        *(
            running.client.put(
                f"/v1/registrations/{p['id']}/agenda", json={"session_ids": []}, headers=bearer(p)
            )
            for p in queued
        ),
    )
    assert [m.status_code for m in mixed] == [200] * 10
    summary = (await running.client.get(f"{url}/summary", headers=admin)).json()
    assert summary["by_session"] == {}
    assert summary["by_status"] == {"confirmed": 5, "cancelled": 15}


async def test_a_place_taken_by_another_while_registering_means_the_waitlist(
    running: Running,
) -> None:
    """The registration is written as confirmed, the forum row updated last; when another
    transaction took the last place meanwhile, it rolls back and waits in line instead."""
    runtime = running.runtime
    await deliver(runtime, forum_updated(capacity=1))
    attempts: list[str] = []

    async def another_takes_the_last_place(_session: AsyncSession, done: Registered) -> None:
        attempts.append(done.status)
        if len(attempts) == 1:
            async with runtime.session_factory() as other, other.begin():
                await other.execute(update(ForumRow).values(confirmed_count=1))

    request = RegistrationRequest.model_validate(registration_body())
    registered = await register_attendee(
        request.to_form(),
        forum_code=FORUM,
        uow=runtime.uow(),
        now=datetime.now(UTC),
        client_address=None,
        before_commit=another_takes_the_last_place,
    )
    assert attempts == ["confirmed", "waitlisted"] and registered.status == "waitlisted"
    async with runtime.session_factory() as session:
        stored = (await session.execute(select(RegistrationRow.status))).scalars().all()
        bodies = (await session.execute(select(runtime.outbox_table.c.body))).scalars().all()
        forum = await session.get(ForumRow, FORUM)
    assert stored == ["waitlisted"]
    assert [json.loads(body)["data"]["status"] for body in bodies] == ["waitlisted"]
    assert forum is not None and forum.confirmed_count == 1
