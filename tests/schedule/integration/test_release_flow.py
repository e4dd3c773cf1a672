"""Halls, speakers, sessions and two releases over HTTP, on real PostgreSQL and RabbitMQ."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.schedule.conftest import BusTap
from tests.schedule.forum_data import ADMIN, CODE, forum_body

pytestmark = pytest.mark.integration
BASE = f"/v1/forums/{CODE}"


async def post(client: httpx.AsyncClient, path: str, body: Any, status: int = 201) -> Any:
    response = await client.post(BASE + path, json=body, headers=ADMIN)
    assert response.status_code == status, response.text
    return response.json()


def session_body(title: str, starts: str, ends: str, hall_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"ru": title, "en": title},
        "type": extra.pop("type", "conference"),
        "starts_at": f"2022-11-{starts}+03:00",
        "ends_at": f"2022-11-{ends}+03:00",
        "hall_id": hall_id,
        **extra,
    }


async def test_two_releases_publish_an_exact_changelog(
    schedule_client: httpx.AsyncClient, bus_tap: BusTap
) -> None:
    client = schedule_client
    await client.put(BASE, json=forum_body(), headers=ADMIN)
    main = await post(
        client, "/halls", {"name": {"ru": "Главный зал", "en": "Main hall"}, "capacity": 600}
    )
    small = await post(
        client,
        "/halls",
        {"name": {"ru": "Конференц-зал", "en": "Conference hall"}, "capacity": 120},
    )
    lecturer = await post(
        client, "/speakers", {"full_name": "Иванов Иван", "email": "ivanov@example.ru"}
    )
    plenary = await post(
        client,
        "/sessions",
        session_body(
            "Пленарное заседание",
            "23T11:00",
            "23T13:00",
            main["id"],
            type="plenary",
            speaker_ids=[lecturer["id"]],
        ),
    )
    seminar = await post(
        client,
        "/sessions",
        session_body("Семинар по ИС", "23T14:00", "23T15:00", small["id"], type="seminar"),
    )
    assert plenary["version"] == 1

    first = await post(client, "/releases", None)
    assert first["version"] == 1
    assert sorted(c["kind"] for c in first["changes"]) == ["added", "added"]

    moved = await client.patch(
        f"{BASE}/sessions/{plenary['id']}",
        json={
            "starts_at": "2022-11-24T10:00:00+03:00",
            "ends_at": "2022-11-24T12:00:00+03:00",
            "hall_id": small["id"],
        },
        headers={**ADMIN, "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers["ETag"] == '"2"'
    await post(client, f"/sessions/{seminar['id']}/cancel", {"version": 1}, status=200)
    award = await post(
        client,
        "/sessions",
        session_body("Инженер года", "24T17:00", "24T18:00", main["id"], type="ceremony"),
    )

    second = await post(client, "/releases", {})
    changes = {c["session_id"]: c for c in second["changes"]}
    assert second["version"] == 2
    assert changes[plenary["id"]]["kinds"] == ["rescheduled", "moved", "capacity_changed"]
    assert changes[plenary["id"]]["old"]["starts_at"] == "2022-11-23T08:00:00Z"
    assert changes[plenary["id"]]["new"]["hall_id"] == small["id"]
    assert changes[seminar["id"]]["kind"] == "cancelled"
    assert changes[award["id"]]["kind"] == "added"

    # forum, 2 halls, speaker; release 1: 2 sessions + release; release 2: 3 sessions + release
    events = await bus_tap.wait_for(1 + 2 + 1 + 3 + 4)
    released = bus_tap.of_type("schedule.release.published")
    assert [e["data"]["release_version"] for e in released] == [1, 2]
    second_changes = [
        e for e in bus_tap.of_type("schedule.session.changed") if e["data"]["release_version"] == 2
    ]
    by_session = {e["data"]["session"]["session_id"]: e["data"] for e in second_changes}
    assert set(by_session) == {plenary["id"], seminar["id"], award["id"]}
    assert by_session[plenary["id"]]["previous"]["hall_id"] == main["id"]
    assert by_session[plenary["id"]]["session"]["version"] == 2
    assert by_session[seminar["id"]]["session"]["status"] == "cancelled"
    assert by_session[award["id"]]["previous"] is None
    assert {e["type"] for e in events} >= {"schedule.hall.updated", "schedule.speaker.updated"}

    programme = (await client.get(f"{BASE}/programme")).json()
    assert programme["release"]["version"] == 2
    day24 = next(d for d in programme["days"] if d["date"] == "2022-11-24")
    assert day24["sessions"][0]["starts_at"] == "2022-11-24T10:00:00+03:00"
    assert day24["sessions"][0]["speakers"][0]["full_name"] == "Иванов Иван"
    assert "email" not in day24["sessions"][0]["speakers"][0]
    only_small = (await client.get(f"{BASE}/schedule", params={"hall_id": small["id"]})).json()
    assert {s["hall"]["id"] for d in only_small["days"] for s in d["sessions"]} == {small["id"]}

    nothing = await client.post(f"{BASE}/releases", headers=ADMIN)
    assert nothing.status_code == 409
    assert "Нет изменений" in nothing.json()["message"]
    listed = (await client.get(f"{BASE}/releases")).json()
    assert [r["version"] for r in listed] == [1, 2]
    assert len((await client.get(f"{BASE}/releases/2")).json()["sessions"]) == 3


async def test_stale_edits_and_conflicts_are_refused(schedule_client: httpx.AsyncClient) -> None:
    client = schedule_client
    await client.put(BASE, json=forum_body(), headers=ADMIN)
    hall = await post(client, "/halls", {"name": {"ru": "Главный зал"}, "capacity": 100})
    a = await post(client, "/sessions", session_body("А", "23T11:00", "23T13:00", hall["id"]))
    b = await post(
        client, "/sessions", session_body("Б", "23T12:00", "23T14:00", hall["id"], capacity=150)
    )

    first = await client.patch(
        f"{BASE}/sessions/{a['id']}", json={"version": 1, "track": "ТЭК"}, headers=ADMIN
    )
    assert first.status_code == 200
    stale = await client.patch(
        f"{BASE}/sessions/{a['id']}", json={"version": 1, "track": "Кадры"}, headers=ADMIN
    )
    assert (stale.status_code, stale.json()["current_version"]) == (409, 2)
    stale_header = await client.patch(
        f"{BASE}/sessions/{a['id']}", json={"track": "Кадры"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert stale_header.status_code == 412
    no_version = await client.patch(
        f"{BASE}/sessions/{a['id']}", json={"track": "Кадры"}, headers=ADMIN
    )
    assert no_version.status_code == 428
    current = await client.get(f"{BASE}/sessions/{a['id']}", headers=ADMIN)
    assert (current.json()["track"], current.headers["ETag"]) == ("ТЭК", '"2"')

    conflicts = (await client.get(f"{BASE}/conflicts", headers=ADMIN)).json()
    assert sorted(c["kind"] for c in conflicts["conflicts"]) == [
        "capacity_above_hall",
        "hall_double_booked",
    ]
    refused = await client.post(f"{BASE}/releases", headers=ADMIN)
    assert refused.status_code == 409
    assert len(refused.json()["conflicts"]) == 2
    forced = await post(client, "/releases", {"force": True, "reason": "Зал делится перегородкой"})
    assert forced["forced_reason"] == "Зал делится перегородкой"

    cancelled = await client.post(
        f"{BASE}/sessions/{b['id']}/cancel", headers={**ADMIN, "If-Match": '"1"'}
    )
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    restored = await client.post(
        f"{BASE}/sessions/{b['id']}/restore", json={"version": 2}, headers=ADMIN
    )
    assert (restored.status_code, restored.json()["status"], restored.headers["ETag"]) == (
        200,
        "draft",
        '"3"',
    )
    twice = await client.post(
        f"{BASE}/sessions/{b['id']}/restore", json={"version": 3}, headers=ADMIN
    )
    assert twice.status_code == 409

    unknown_hall = await client.post(
        f"{BASE}/sessions", json=session_body("В", "23T11:00", "23T12:00", b["id"]), headers=ADMIN
    )
    assert unknown_hall.status_code == 422
    assert (await client.get("/v1/forums/no-such-forum/programme")).status_code == 404
