"""Races the forum lock no longer settles on PostgreSQL: the duplicate-address check runs
before it (the unique index decides), a forum without a capacity takes no lock until the
last statement, and a full forum still queues a registration behind a freed place."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest
from forum_registration.models import ForumRow, RegistrationRow
from sqlalchemy import func, select

from tests.registration.helpers import (
    FORUM,
    deliver,
    forum_updated,
    registration_body,
    session_changed,
)
from tests.registration.integration.conftest import Running

pytestmark = pytest.mark.integration
URL = f"/v1/forums/{FORUM}/registrations"


async def counter_and_count(running: Running) -> tuple[int, int]:
    async with running.runtime.uow() as uow:
        forum = await uow.session.get(ForumRow, FORUM)
        assert forum is not None
        counted = await uow.session.scalar(
            select(func.count()).where(
                RegistrationRow.forum_code == FORUM, RegistrationRow.status == "confirmed"
            )
        )
        return forum.confirmed_count, int(counted or 0)


async def test_the_same_address_at_once_is_registered_once(running: Running) -> None:
    await deliver(running.runtime, forum_updated(capacity=5))
    answers = await asyncio.gather(
        *(
            running.client.post(URL, json=registration_body(email="same@example.ru"))
            for _ in range(12)
        )
    )
    codes = Counter(a.status_code for a in answers)
    assert codes == {201: 1, 409: 11}
    assert {a.json()["error"] for a in answers if a.status_code == 409} == {"duplicate_email"}
    assert await counter_and_count(running) == (1, 1)


async def test_unlimited_forum_counts_every_concurrent_registration(running: Running) -> None:
    sid = uuid.uuid4()
    await deliver(running.runtime, forum_updated())
    await deliver(running.runtime, session_changed(sid, capacity=7))
    answers = await asyncio.gather(
        *(
            running.client.post(
                URL,
                json=registration_body(
                    email=f"u{i}@example.ru", **({"session_ids": [str(sid)]} if i % 2 else {})
                ),
            )
            for i in range(40)
        ),
        *(
            running.client.post(
                URL, json=registration_body(email=f"press{i}@example.ru", category="press")
            )
            for i in range(5)
        ),
    )
    assert [a.status_code for a in answers] == [201] * 45
    assert Counter(a.json()["status"] for a in answers) == {
        "confirmed": 40,
        "pending_approval": 5,
    }
    assert await counter_and_count(running) == (40, 40)
    admin = {"Authorization": "Bearer test-admin-token"}
    seats: Counter[str] = Counter()
    for answer in answers[1:40:2]:
        view = (
            await running.client.get(
                f"/v1/registrations/{answer.json()['id']}",
                headers={"Authorization": f"Bearer {answer.json()['manage_token']}"},
            )
        ).json()
        seats.update(entry["status"] for entry in view["agenda"])
    assert seats == {"confirmed": 7, "waitlisted": 13}
    summary = (await running.client.get(f"{URL}/summary", headers=admin)).json()
    assert summary["by_status"] == {"confirmed": 40, "pending_approval": 5}


async def test_full_forum_registrations_and_cancellations_race(running: Running) -> None:
    """A place freed while registrations arrive is never left empty with someone waiting."""
    await deliver(running.runtime, forum_updated(capacity=10))
    first = [
        (await running.client.post(URL, json=registration_body(email=f"f{i}@example.ru"))).json()
        for i in range(10)
    ]
    cancels = [
        running.client.post(
            f"/v1/registrations/{p['id']}/cancel",
            headers={"Authorization": f"Bearer {p['manage_token']}"},
        )
        for p in first[:6]
    ]
    posts = [
        running.client.post(URL, json=registration_body(email=f"n{i}@example.ru"))
        for i in range(30)
    ]
    answers = await asyncio.gather(*cancels, *posts)
    assert [a.status_code for a in answers] == [200] * 6 + [201] * 30
    assert await counter_and_count(running) == (10, 10)
    admin = {"Authorization": "Bearer test-admin-token"}
    summary = (await running.client.get(f"{URL}/summary", headers=admin)).json()
    assert summary["by_status"] == {"confirmed": 10, "waitlisted": 24, "cancelled": 6}
