"""Racing writers on real PostgreSQL: no lost update, no duplicate release."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.schedule.forum_data import ADMIN, CODE, forum_body

pytestmark = pytest.mark.integration
BASE = f"/v1/forums/{CODE}"
RACERS = 8


async def _forum_with_a_session(client: httpx.AsyncClient) -> str:
    await client.put(BASE, json=forum_body(), headers=ADMIN)
    created = await client.post(
        f"{BASE}/sessions",
        json={
            "title": {"ru": "Пленарное заседание"},
            "type": "plenary",
            "starts_at": "2022-11-23T11:00:00+03:00",
            "ends_at": "2022-11-23T13:00:00+03:00",
        },
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_racing_edits_and_releases_have_one_winner(
    schedule_client: httpx.AsyncClient,
) -> None:
    session_id = await _forum_with_a_session(schedule_client)

    async def edit(n: int) -> httpx.Response:
        return await schedule_client.patch(
            f"{BASE}/sessions/{session_id}",
            json={"version": 1, "track": f"Трек {n}"},
            headers=ADMIN,
        )

    answers = await asyncio.gather(*(edit(n) for n in range(RACERS)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [409] * (RACERS - 1)
    winner = next(answer.json() for answer in answers if answer.status_code == 200)
    stored = (await schedule_client.get(f"{BASE}/sessions/{session_id}", headers=ADMIN)).json()
    assert (stored["version"], stored["track"]) == (2, winner["track"])

    # Then racing releases of those drafts: one version 1, the rest find nothing to release.
    answers = await asyncio.gather(
        *(schedule_client.post(f"{BASE}/releases", headers=ADMIN) for _ in range(RACERS))
    )
    assert sorted(answer.status_code for answer in answers) == [201] + [409] * (RACERS - 1)
    listed = (await schedule_client.get(f"{BASE}/releases")).json()
    assert [release["version"] for release in listed] == [1]
