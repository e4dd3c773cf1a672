"""What a digest fan-out scenario needs before its release: a programme set up and released
through the schedule service's API, and attendees who chose its sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.common import AttendeeCategory, RegistrationStatus
from forum_shared.contracts.registration import AgendaEntry, AttendeeRegistered

from tests.faults.platform import ADMIN_TOKEN, FaultPlatform
from tests.notifications.integration.helpers import publish

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
DIGEST = "schedule_digest"


@dataclass
class Programme:
    """Two published sessions in one hall: `moved` is the one a later release changes."""

    code: str
    moved: dict[str, Any]
    kept: dict[str, Any]


async def _created(http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await http.post(url, json=body, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def release(platform: FaultPlatform, code: str) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(
            f"{platform.urls['schedule']}/v1/forums/{code}/releases", json={}, headers=ADMIN
        )
    assert answer.status_code == 201, answer.text


async def publish_programme(platform: FaultPlatform, code: str, *, seats: int) -> Programme:
    """Forum, hall and two sessions (no speakers: only attendees get digests), released."""
    await platform.create_forum(code, capacity=seats)
    base = f"{platform.urls['schedule']}/v1/forums/{code}"
    async with httpx.AsyncClient(timeout=10) as http:
        hall = await _created(
            http, f"{base}/halls", {"name": {"ru": "Главный зал"}, "capacity": seats}
        )

        async def session(title: str, starts: str, ends: str) -> dict[str, Any]:
            body = {
                "title": {"ru": title},
                "type": "panel",
                "starts_at": f"2030-11-23T{starts}:00+03:00",
                "ends_at": f"2030-11-23T{ends}:00+03:00",
                "hall_id": hall["id"],
            }
            return await _created(http, f"{base}/sessions", body)

        moved = await session("Импортозамещение в энергетике", "10:00", "11:30")
        kept = await session("Цифровизация промышленности", "12:00", "13:00")
    await release(platform, code)
    return Programme(code, moved, kept)


async def move_and_release(platform: FaultPlatform, programme: Programme) -> None:
    """Move the `moved` session to the afternoon and release: its attendees are affected."""
    async with httpx.AsyncClient(timeout=10) as http:
        edit = await http.patch(
            f"{platform.urls['schedule']}/v1/forums/{programme.code}/sessions/"
            f"{programme.moved['id']}",
            json={
                "version": programme.moved["version"],
                "starts_at": "2030-11-23T15:00:00+03:00",
                "ends_at": "2030-11-23T16:30:00+03:00",
            },
            headers=ADMIN,
        )
    assert edit.status_code == 200, edit.text
    await release(platform, programme.code)


async def publish_attendees(
    platform: FaultPlatform, code: str, attendees: list[tuple[str, str, str]]
) -> None:
    """`registration.attendee.registered` for each (name, email, chosen session id), published
    straight to the bus as the registration service's relay would (persistent, confirmed):
    the fan-out needs the attendees in the notifications service's replica, and posting
    them over HTTP would make the registration service the slowest part of the scenario."""
    envelopes = [
        EventEnvelope.wrap(
            AttendeeRegistered(
                registration_id=uuid.uuid4(),
                version=1,
                full_name=name,
                email=email,
                region="Волгоградская область",
                category=AttendeeCategory.DELEGATE,
                status=RegistrationStatus.CONFIRMED,
                agenda=[AgendaEntry(session_id=uuid.UUID(session_id))],
                registered_at=datetime.now(UTC),
            ),
            producer="registration",
            forum=code,
        )
        for name, email, session_id in attendees
    ]
    await publish(platform.direct_amqp_url, *envelopes)


def template_of(message_id: str) -> str:
    """`<event.recipient.template@domain>` → template."""
    return message_id.strip("<>").split("@", 1)[0].rsplit(".", 1)[-1]
