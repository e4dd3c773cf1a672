"""Importing the demo programme over HTTP drafts and releases it; a second import is a no-op."""

from __future__ import annotations

import httpx
import pytest
from forum_schedule.demo import DEMO_PROGRAMME

from tests.schedule.conftest import BusTap
from tests.schedule.forum_data import ADMIN, forum_body

pytestmark = pytest.mark.integration
CODE = "promenergovolga-2022"


async def test_demo_imports_and_releases_cleanly(
    schedule_client: httpx.AsyncClient, bus_tap: BusTap
) -> None:
    body = DEMO_PROGRAMME.read_bytes()
    headers = {**ADMIN, "Content-Type": "application/json"}
    first = await schedule_client.post("/v1/imports", content=body, headers=headers)
    assert first.status_code == 200, first.text
    result = first.json()
    assert result["counts"]["sessions_added"] == 22
    assert result["release"]["version"] == 1
    assert len(result["release"]["changes"]) == 22

    again = await schedule_client.post("/v1/imports", content=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["release"] is None
    assert set(again.json()["counts"].values()) == {0}

    programme = (await schedule_client.get(f"/v1/forums/{CODE}/programme")).json()
    assert [d["date"] for d in programme["days"]] == ["2022-11-23", "2022-11-24", "2022-11-25"]
    plenary = next(s for s in programme["days"][0]["sessions"] if s["type"] == "plenary")
    assert plenary["starts_at"] == "2022-11-23T11:30:00+03:00"
    assert plenary["hall"]["name"]["ru"] == "Главный зал"
    assert len(programme["halls"]) == 6
    assert "Энергетика" in programme["tracks"]
    energy = await schedule_client.get(
        f"/v1/forums/{CODE}/schedule", params={"track": "Энергетика", "day": "2022-11-25"}
    )
    titles = [s["title"]["ru"] for d in energy.json()["days"] for s in d["sessions"]]
    assert len(titles) == 3
    assert [d["date"] for d in energy.json()["days"]] == ["2022-11-25"]
    # A marker after the re-import: once it arrives, everything recorded before it has too.
    marker = await schedule_client.put(
        f"/v1/forums/{CODE}", json=forum_body(capacity=1600), headers=ADMIN
    )
    assert marker.status_code == 200
    # forum + 6 halls + 3 speakers + 22 sessions + 1 release, the marker; none from the re-import
    events = await bus_tap.wait_for(1 + 6 + 3 + 22 + 1 + 1)
    assert (events[-1]["type"], events[-1]["data"]["version"]) == ("schedule.forum.updated", 2)
    assert len(bus_tap.of_type("schedule.session.changed")) == 22
    assert len(bus_tap.of_type("schedule.release.published")) == 1
