"""An integrator binds a queue with the read-only integrator user and receives every event
type of the registration and schedule flows, each valid against its contract.

The three services run as `forum run …` processes (tests/e2e/conftest.py) on a fresh vhost.
The integrator is a real RabbitMQ user on that vhost with exactly the permissions
`deploy/rabbitmq/definitions.json` gives `forum-integrator`; it declares `integrator.test`,
binds it to `#`, and the flows are driven over HTTP only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import aio_pika
import httpx
import pytest
from forum_shared.contracts import EVENT_CATALOGUE, EventEnvelope, decode_data

from tests.e2e.conftest import ADMIN_TOKEN
from tests.support.processes import ServiceProcess
from tests.support.services import Broker, _local_rabbitmqctl, unavailable

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CODE = "promenergovolga-2030"
FORUM = {
    "title": {"ru": "ПромЭнергоVolga2030", "en": "PromEnergoVolga 2030"},
    "venue": {"ru": "Волгоград Арена", "en": "Volgograd Arena"},
    "timezone": "Europe/Volgograd",
    "starts_on": "2030-11-23",
    "ends_on": "2030-11-25",
    "capacity": 3,
}
WANTED = {
    event_type
    for event_type, _version in EVENT_CATALOGUE
    if event_type.startswith(("registration.", "schedule."))
}


@pytest.fixture
def integrator_url(broker_server: Broker, amqp_url: str) -> Iterator[str]:
    """A throw-away user with the integrator's permissions on this test's vhost."""
    if broker_server.run_ctl is not _local_rabbitmqctl:
        unavailable("creating the integrator user needs a local rabbitmqctl")
    definitions = json.loads((ROOT / "deploy" / "rabbitmq" / "definitions.json").read_text())
    [grant] = [p for p in definitions["permissions"] if p["user"] == "forum-integrator"]
    parts = urlsplit(amqp_url)
    vhost = unquote(parts.path.lstrip("/"))
    user, password = f"integrator-test-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    _local_rabbitmqctl(["add_user", user, password])
    try:
        _local_rabbitmqctl(
            [
                "set_permissions",
                "-p",
                vhost,
                user,
                grant["configure"],
                grant["write"],
                grant["read"],
            ]
        )
        netloc = f"{quote(user)}:{password}@{parts.hostname}:{parts.port or 5672}"
        yield urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_user", user], capture_output=True, timeout=60)


async def _until(call: Callable[[], Any], ok: Callable[[httpx.Response], bool]) -> httpx.Response:
    """Retry a request until the other side has caught up (replicas arrive over the bus)."""
    deadline = time.monotonic() + 30
    while True:
        answer: httpx.Response = await call()
        if ok(answer) or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.2)


def _person(name: str, email: str, category: str = "delegate") -> dict[str, Any]:
    return {
        "full_name": name,
        "email": email,
        "organization": "АО «Волгоградский завод»",
        "region": "Волгоградская область",
        "category": category,
        "locale": "ru",
        "consents": {"personal_data": True},
    }


async def _drive_flows(sched: str, reg: str) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        forum = f"{sched}/v1/forums/{CODE}"
        assert (await http.put(forum, json=FORUM, headers=ADMIN)).status_code == 201
        hall = await http.post(
            f"{forum}/halls",
            json={"name": {"ru": "Зал «Волга»", "en": "Volga Hall"}, "capacity": 100},
            headers=ADMIN,
        )
        assert hall.status_code == 201, hall.text
        speaker = await http.post(
            f"{forum}/speakers",
            json={"full_name": "Петров Пётр Петрович", "email": "petrov@example.ru"},
            headers=ADMIN,
        )
        assert speaker.status_code == 201, speaker.text
        session = await http.post(
            f"{forum}/sessions",
            json={
                "title": {"ru": "Энергетика региона", "en": "Regional energy"},
                "type": "panel",
                "starts_at": "2030-11-23T10:00:00+03:00",
                "ends_at": "2030-11-23T11:30:00+03:00",
                "hall_id": hall.json()["id"],
                "capacity": 50,
                "speaker_ids": [speaker.json()["id"]],
            },
            headers=ADMIN,
        )
        assert session.status_code == 201, session.text
        session_id = session.json()["id"]
        release = await http.post(f"{forum}/releases", json={}, headers=ADMIN)
        assert release.status_code == 201, release.text

        registrations = f"{reg}/v1/forums/{CODE}/registrations"

        async def register(body: dict[str, Any]) -> dict[str, Any]:
            answer = await _until(
                lambda: http.post(registrations, json=body), lambda r: r.status_code != 404
            )
            assert answer.status_code == 201, answer.text
            created: dict[str, Any] = answer.json()
            return created

        def bearer(who: dict[str, Any]) -> dict[str, str]:
            return {"Authorization": f"Bearer {who['manage_token']}"}

        anna = await register(_person("Смирнова Анна Игоревна", "anna@example.ru"))
        boris = await register(_person("Кузнецов Борис Олегович", "boris@example.ru"))
        assert anna["status"] == boris["status"] == "confirmed"
        agenda = await _until(
            lambda: http.put(
                f"{reg}/v1/registrations/{anna['id']}/agenda",
                json={"session_ids": [session_id]},
                headers=bearer(anna),
            ),
            lambda r: r.status_code == 200,
        )
        assert agenda.status_code == 200, agenda.text
        press = await register(_person("Орлова Вера", "vera@press.ru", "press"))
        other_press = await register(_person("Лебедев Глеб", "gleb@press.ru", "press"))
        assert press["status"] == other_press["status"] == "pending_approval"
        approved = await http.post(f"{reg}/v1/registrations/{press['id']}/approve", headers=ADMIN)
        assert approved.status_code == 200 and approved.json()["status"] == "confirmed"
        rejected = await http.post(
            f"{reg}/v1/registrations/{other_press['id']}/reject",
            json={"reason": "Аккредитация закрыта"},
            headers=ADMIN,
        )
        assert rejected.status_code == 200, rejected.text
        dina = await register(_person("Волкова Дина", "dina@example.ru"))
        assert dina["status"] == "waitlisted"  # capacity 3: anna, boris, vera
        cancelled = await http.post(
            f"{reg}/v1/registrations/{boris['id']}/cancel", headers=bearer(boris)
        )
        assert cancelled.status_code == 200, cancelled.text  # dina is promoted
        renamed = await http.patch(
            f"{reg}/v1/registrations/{anna['id']}",
            json={"full_name": "Смирнова-Петрова Анна Игоревна"},
            headers=bearer(anna),
        )
        assert renamed.status_code == 200, renamed.text
        mine = await http.get(f"{reg}/v1/registrations/{anna['id']}", headers=bearer(anna))
        checked = await http.post(
            f"{reg}/v1/forums/{CODE}/check-ins",
            json={"code": mine.json()["badge_code"]},
            headers=ADMIN,
        )
        assert checked.status_code == 200, checked.text
        link = await http.post(f"{registrations}/manage-link", json={"email": "anna@example.ru"})
        assert link.status_code == 202, link.text
        erased = await http.delete(f"{reg}/v1/registrations/{dina['id']}", headers=bearer(dina))
        assert erased.status_code == 204, erased.text

        changed = await http.patch(
            f"{forum}/sessions/{session_id}",
            json={"version": 1, "title": {"ru": "Энергетика Поволжья", "en": "Volga energy"}},
            headers=ADMIN,
        )
        assert changed.status_code == 200, changed.text
        again = await http.post(f"{forum}/releases", json={}, headers=ADMIN)
        assert again.status_code == 201, again.text


async def test_the_integrator_receives_every_registration_and_schedule_event_valid(
    platform: dict[str, ServiceProcess], integrator_url: str
) -> None:
    connection = await aio_pika.connect(integrator_url)
    received: list[EventEnvelope] = []
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(
            "integrator.test", durable=True, arguments={"x-queue-type": "quorum"}
        )
        await queue.bind("forum.events", routing_key="#")

        await _drive_flows(platform["schedule"].url, platform["registration"].url)

        deadline = time.monotonic() + 30
        with contextlib.suppress(TimeoutError):  # a silent queue: the assertions below say why
            async with queue.iterator(timeout=30) as messages:
                async for message in messages:
                    async with message.process():
                        envelope = EventEnvelope.model_validate_json(message.body)
                        assert message.routing_key == envelope.type
                        assert message.message_id == str(envelope.event_id)
                        decode_data(envelope)  # valid against its v1 contract, or raises
                        received.append(envelope)
                    if {e.type for e in received} >= WANTED or time.monotonic() > deadline:
                        break
    finally:
        await connection.close()
    seen = {envelope.type for envelope in received}
    assert WANTED - seen == set(), f"never received: {sorted(WANTED - seen)}"
    assert {e.forum for e in received if e.type in WANTED} == {CODE}
    assert len({e.event_id for e in received}) == len(received)  # no event twice
