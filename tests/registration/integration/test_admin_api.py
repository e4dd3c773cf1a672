"""Organiser routes over HTTP on real services: 401 vs 403, approve, list, CSV, check-in."""

from __future__ import annotations

import pytest

from tests.registration.helpers import FORUM, deliver, forum_updated, registration_body
from tests.registration.integration.conftest import ADMIN, Running

pytestmark = pytest.mark.integration


async def test_organiser_routes(running: Running) -> None:
    client = running.client
    await deliver(running.runtime, forum_updated(capacity=10))
    url = f"/v1/forums/{FORUM}/registrations"
    press = (
        await client.post(url, json=registration_body(email="p@example.ru", category="press"))
    ).json()
    assert press["status"] == "pending_approval"

    assert (await client.get(url)).status_code == 401
    assert (await client.get(url)).headers["WWW-Authenticate"] == "Bearer"
    forbidden = await client.get(url, headers={"Authorization": f"Bearer {press['manage_token']}"})
    assert forbidden.status_code == 403

    approved = await client.post(f"/v1/registrations/{press['id']}/approve", headers=ADMIN)
    assert approved.status_code == 200 and approved.json()["status"] == "confirmed"
    listed = (await client.get(url, headers=ADMIN, params={"category": "press"})).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == press["id"]

    exported = await client.get(f"{url}/export.csv", headers=ADMIN)
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith(b"\xef\xbb\xbf") and "Иванова" in exported.text

    me = await client.get(
        f"/v1/registrations/{press['id']}", params={"token": press["manage_token"]}
    )
    badge = me.json()["badge_code"]
    check_ins = f"/v1/forums/{FORUM}/check-ins"
    first = await client.post(check_ins, headers=ADMIN, json={"code": badge})
    again = await client.post(check_ins, headers=ADMIN, json={"code": badge})
    assert first.status_code == again.status_code == 200
    assert first.json()["first_time"] and not again.json()["first_time"]
    assert again.json()["checked_in_at"] == first.json()["checked_in_at"]
    forged = await client.post(check_ins, headers=ADMIN, json={"code": badge[:-2] + "xx"})
    assert forged.status_code == 422 and forged.json()["error"] == "badge_invalid"

    summary = (await client.get(f"{url}/summary", headers=ADMIN)).json()
    assert summary["checked_in"] == 1
    assert summary["confirmed"]["by_region"] == {"Волгоградская область": 1}
    events = await running.wait_for_events(3)
    assert [e["type"] for e in events] == [
        "registration.attendee.registered",
        "registration.attendee.approved",
        "registration.attendee.checked_in",
    ]
