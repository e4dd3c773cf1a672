"""PUT a forum on real PostgreSQL + RabbitMQ and see `schedule.forum.updated` on the bus."""

from __future__ import annotations

import httpx
import pytest

from tests.schedule.conftest import BusTap
from tests.schedule.forum_data import ADMIN, CODE, forum_body

pytestmark = pytest.mark.integration


async def test_put_forum_publishes_forum_updated_and_reads_back(
    schedule_client: httpx.AsyncClient, bus_tap: BusTap
) -> None:
    created = await schedule_client.put(f"/v1/forums/{CODE}", json=forum_body(), headers=ADMIN)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1

    updated = await schedule_client.put(
        f"/v1/forums/{CODE}", json=forum_body(capacity=2000), headers=ADMIN
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["version"], updated.json()["capacity"]) == (2, 2000)

    same = await schedule_client.put(
        f"/v1/forums/{CODE}", json=forum_body(capacity=2000), headers=ADMIN
    )
    assert (same.status_code, same.json()["version"]) == (200, 2)  # nothing changed
    marker = await schedule_client.put(
        f"/v1/forums/{CODE}", json=forum_body(capacity=2100), headers=ADMIN
    )
    assert marker.json()["version"] == 3

    first, second, third = await bus_tap.wait_for(3)
    assert third["data"]["version"] == 3  # the unchanged PUT published nothing
    assert first["type"] == "schedule.forum.updated"
    assert (first["version"], first["producer"], first["forum"]) == (1, "schedule", CODE)
    assert first["data"]["title"] == {"ru": "ПромЭнергоVolga2022", "en": "PromEnergoVolga2022"}
    assert first["data"]["timezone"] == "Europe/Volgograd"
    assert (first["data"]["starts_on"], first["data"]["ends_on"]) == ("2022-11-23", "2022-11-25")
    assert first["data"]["version"] == 1
    assert (second["data"]["version"], second["data"]["capacity"]) == (2, 2000)
    assert first["correlation_id"] is not None
    assert bus_tap.messages[0].message_id == first["event_id"]

    stale = await schedule_client.put(
        f"/v1/forums/{CODE}", json=forum_body(capacity=5, version=2), headers=ADMIN
    )
    assert (stale.status_code, stale.json()["current_version"]) == (409, 3)
    stale_header = await schedule_client.put(
        f"/v1/forums/{CODE}", json=forum_body(capacity=5), headers={**ADMIN, "If-Match": '"2"'}
    )
    assert stale_header.status_code == 412
    found = await schedule_client.get(f"/v1/forums/{CODE}")
    assert found.headers["ETag"] == '"3"'
    assert found.status_code == 200
    assert found.json()["venue"]["ru"] == "Волгоград Арена"
    assert found.json()["registration_opens_at"] == "2022-10-01T06:00:00Z"
    assert found.json()["capacity"] == 2100

    missing = await schedule_client.get("/v1/forums/no-such-forum")
    assert missing.status_code == 404
    assert "no-such-forum" in missing.json()["message"]
