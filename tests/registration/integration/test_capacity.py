"""Capacity under concurrency on PostgreSQL: the forum row lock lets no extra place through."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from tests.registration.helpers import FORUM, deliver, forum_updated, registration_body
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
