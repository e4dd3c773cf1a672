"""Halls and speakers change over time; a hall's new name reaches sessions at the next release."""

from __future__ import annotations

import httpx
import pytest
from forum_schedule.demo import DEMO_PROGRAMME

from tests.schedule.conftest import BusTap
from tests.schedule.forum_data import ADMIN, CODE, forum_body

pytestmark = pytest.mark.integration
BASE = f"/v1/forums/{CODE}"


async def test_renamed_hall_reaches_the_next_release_and_speakers_update(
    schedule_client: httpx.AsyncClient, bus_tap: BusTap
) -> None:
    client = schedule_client
    await client.put(BASE, json=forum_body(), headers=ADMIN)
    hall = (
        await client.post(
            f"{BASE}/halls", json={"name": {"ru": "Зал 1"}, "capacity": 100}, headers=ADMIN
        )
    ).json()
    await client.post(
        f"{BASE}/sessions",
        json={
            "title": {"ru": "Семинар"},
            "type": "seminar",
            "hall_id": hall["id"],
            "starts_at": "2022-11-23T10:00:00+03:00",
            "ends_at": "2022-11-23T11:00:00+03:00",
        },
        headers=ADMIN,
    )
    await client.post(f"{BASE}/releases", headers=ADMIN)
    renamed = await client.put(
        f"{BASE}/halls/{hall['id']}",
        json={"name": {"ru": "Зал «Волга»"}, "capacity": 100},
        headers=ADMIN,
    )
    assert (renamed.status_code, renamed.json()["version"]) == (200, 2)
    stale = await client.put(
        f"{BASE}/halls/{hall['id']}",
        json={"name": {"ru": "Зал 2"}, "capacity": 100, "version": 1},
        headers=ADMIN,
    )
    assert stale.status_code == 409
    second = (await client.post(f"{BASE}/releases", headers=ADMIN)).json()
    (change,) = second["changes"]
    assert change["kinds"] == ["details_changed"]
    assert (change["old"]["hall_name"]["ru"], change["new"]["hall_name"]["ru"]) == (
        "Зал 1",
        "Зал «Волга»",
    )
    missing = await client.put(
        f"{BASE}/halls/00000000-0000-0000-0000-000000000000",
        json={"name": {"ru": "X"}, "capacity": 1},
        headers=ADMIN,
    )
    assert missing.status_code == 404

    speaker = (
        await client.post(f"{BASE}/speakers", json={"full_name": "Иванов Иван"}, headers=ADMIN)
    ).json()
    updated = await client.put(
        f"{BASE}/speakers/{speaker['id']}",
        json={"full_name": "Иванов Иван", "email": "ivanov@example.ru", "locale": "en"},
        headers=ADMIN,
    )
    assert updated.status_code == 200, updated.text
    # forum, hall, release 1 (session + release), hall renamed, release 2, speaker twice
    await bus_tap.wait_for(1 + 1 + 2 + 1 + 2 + 2)
    hall_events = bus_tap.of_type("schedule.hall.updated")
    assert [e["data"]["version"] for e in hall_events] == [1, 2]
    (first, second) = bus_tap.of_type("schedule.speaker.updated")
    assert (first["data"]["version"], second["data"]["version"]) == (1, 2)
    assert (second["data"]["email"], second["data"]["locale"]) == ("ivanov@example.ru", "en")


async def test_the_embedded_sqlite_default_runs_the_demo(
    sqlite_schedule_client: httpx.AsyncClient,
) -> None:
    client = sqlite_schedule_client
    imported = await client.post(
        "/v1/imports",
        content=DEMO_PROGRAMME.read_bytes(),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert imported.status_code == 200, imported.text
    sessions = (await client.get(f"{BASE}/sessions", headers=ADMIN)).json()
    plenary = next(s for s in sessions if s["type"] == "plenary")
    moved = await client.patch(
        f"{BASE}/sessions/{plenary['id']}",
        json={
            "version": 1,
            "starts_at": "2022-11-23T12:00:00+03:00",
            "ends_at": "2022-11-23T14:00:00+03:00",
        },
        headers=ADMIN,
    )
    assert moved.status_code == 200, moved.text
    released = (await client.post(f"{BASE}/releases", headers=ADMIN)).json()
    assert [(c["session_id"], c["kinds"]) for c in released["changes"]] == [
        (plenary["id"], ["rescheduled"])
    ]
    assert released["changes"][0]["old"]["starts_at"] == "2022-11-23T08:30:00Z"
