"""The public .ics routes serve the latest release on a real database."""

from __future__ import annotations

import httpx
import pytest
from icalendar import Calendar

from tests.schedule.forum_data import ADMIN, CODE, forum_body

pytestmark = pytest.mark.integration
BASE = f"/v1/forums/{CODE}"


async def test_forum_and_session_feeds(schedule_client: httpx.AsyncClient) -> None:
    client = schedule_client
    await client.put(BASE, json=forum_body(), headers=ADMIN)
    assert (await client.get(f"{BASE}/schedule.ics")).status_code == 404  # nothing released
    hall = (
        await client.post(
            f"{BASE}/halls", json={"name": {"ru": "Арена"}, "capacity": 900}, headers=ADMIN
        )
    ).json()
    created = await client.post(
        f"{BASE}/sessions",
        json={
            "title": {"ru": "Пленарное заседание", "en": "Plenary session"},
            "type": "plenary",
            "starts_at": "2022-11-23T11:00:00+03:00",
            "ends_at": "2022-11-23T13:00:00+03:00",
            "hall_id": hall["id"],
        },
        headers=ADMIN,
    )
    session_id = created.json()["id"]
    assert (await client.post(f"{BASE}/releases", headers=ADMIN)).status_code == 201

    feed = await client.get(f"{BASE}/schedule.ics", params={"lang": "en"})
    assert feed.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Plenary session"
    # make_settings leaves FORUM_MAIL_FROM at its default, noreply@forum.local
    assert str(event["UID"]) == f"{session_id}@forum.local"

    polled = await client.get(
        f"{BASE}/schedule.ics",
        params={"lang": "en"},
        headers={"If-None-Match": feed.headers["ETag"]},
    )
    assert (polled.status_code, polled.content) == (304, b"")
    await client.patch(
        f"{BASE}/sessions/{session_id}", json={"version": 1, "track": "ТЭК"}, headers=ADMIN
    )
    assert (await client.post(f"{BASE}/releases", headers=ADMIN)).status_code == 201
    changed = await client.get(
        f"{BASE}/schedule.ics",
        params={"lang": "en"},
        headers={"If-None-Match": feed.headers["ETag"]},
    )
    assert changed.status_code == 200
    assert Calendar.from_ical(changed.content).walk("VEVENT")[0]["SEQUENCE"] == 2

    one = await client.get(f"{BASE}/sessions/{session_id}.ics")
    assert one.status_code == 200, one.text
    assert [str(e["SUMMARY"]) for e in Calendar.from_ical(one.content).walk("VEVENT")] == [
        "Пленарное заседание"
    ]
    unknown = await client.get(f"{BASE}/sessions/00000000-0000-0000-0000-000000000000.ics")
    assert unknown.status_code == 404
