"""DESIGN §4 flows 2 and 3 across three processes, checked at the SMTP server.

2. An organiser moves a session and releases the programme: exactly the attendees who chose
   it and its speaker get one digest each (old → new); nobody else gets mail. (A speaker also
   hears when their session first enters the programme.)
3. An attendee cancels; the first on the forum's waitlist is promoted and told so.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ADMIN_TOKEN, FORUM, retry_while, template_of
from tests.support.processes import ServiceProcess
from tests.support.smtp import SmtpSink

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def person(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "full_name": name,
        "email": f"{uuid.uuid4().hex[:8]}@example.ru",
        "organization": "АО «Волгоградский завод»",
        "region": "Волгоградская область",
        "category": "delegate",
        "consents": {"personal_data": True},
        **extra,
    }


async def create(http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await http.post(url, json=body, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def register(http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    # 404 until the forum replica arrives, 422 until the sessions' replicas do.
    answer = await retry_while(lambda: http.post(url, json=body), {404, 422})
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_a_moved_session_mails_one_digest_to_exactly_its_attendees_and_speaker(
    platform: dict[str, ServiceProcess], smtp_sink: SmtpSink
) -> None:
    schedule, code = platform["schedule"].url, "flow-digest-2030"
    registrations = f"{platform['registration'].url}/v1/forums/{code}/registrations"
    async with httpx.AsyncClient(timeout=10) as http:
        put = await http.put(f"{schedule}/v1/forums/{code}", json=FORUM, headers=ADMIN)
        assert put.status_code == 201, put.text
        main_hall = await create(
            http,
            f"{schedule}/v1/forums/{code}/halls",
            {"name": {"ru": "Главный зал"}, "capacity": 300},
        )
        small_hall = await create(
            http,
            f"{schedule}/v1/forums/{code}/halls",
            {"name": {"ru": "Зал «Дон»"}, "capacity": 80},
        )
        speaker = await create(
            http,
            f"{schedule}/v1/forums/{code}/speakers",
            {"full_name": "Петров Олег", "email": "oleg@example.ru"},
        )
        moved = await create(
            http,
            f"{schedule}/v1/forums/{code}/sessions",
            {
                "title": {"ru": "Импортозамещение в энергетике"},
                "type": "panel",
                "starts_at": "2030-11-23T10:00:00+03:00",
                "ends_at": "2030-11-23T11:30:00+03:00",
                "hall_id": main_hall["id"],
                "speaker_ids": [speaker["id"]],
            },
        )
        untouched = await create(
            http,
            f"{schedule}/v1/forums/{code}/sessions",
            {
                "title": {"ru": "Цифровизация промышленности"},
                "type": "seminar",
                "starts_at": "2030-11-23T12:00:00+03:00",
                "ends_at": "2030-11-23T13:00:00+03:00",
                "hall_id": small_hall["id"],
            },
        )
        first = await http.post(f"{schedule}/v1/forums/{code}/releases", json={}, headers=ADMIN)
        assert first.status_code == 201, first.text
        # The speaker hears of the session added to the programme; no attendee exists yet.
        [added] = await smtp_sink.wait_for(1, within_s=30)
        assert added.recipients == ["oleg@example.ru"]

        chose_moved = await register(
            http, registrations, person("Анна Смирнова", session_ids=[moved["id"]])
        )
        chose_other = await register(
            http, registrations, person("Борис Козлов", session_ids=[untouched["id"]])
        )
        chose_none = await register(http, registrations, person("Вера Орлова"))
        await smtp_sink.wait_for(4, within_s=30)

        edit = await http.patch(
            f"{schedule}/v1/forums/{code}/sessions/{moved['id']}",
            json={
                "version": moved["version"],
                "hall_id": small_hall["id"],
                "starts_at": "2030-11-23T15:00:00+03:00",
                "ends_at": "2030-11-23T16:30:00+03:00",
            },
            headers=ADMIN,
        )
        assert edit.status_code == 200, edit.text
        release = await http.post(f"{schedule}/v1/forums/{code}/releases", json={}, headers=ADMIN)
        assert release.status_code == 201, release.text

    mails = await smtp_sink.wait_for(6, within_s=30)
    await asyncio.sleep(3)  # anything sent to the wrong people would have arrived by now
    digests = [m for m in smtp_sink.messages[4:] if template_of(m) == "schedule_digest"]
    assert sorted(r for m in digests for r in m.recipients) == sorted(
        ["oleg@example.ru", _email_of(mails, chose_moved)]
    )
    assert len(smtp_sink.messages) == 6
    body = digests[0].message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Импортозамещение в энергетике" in text
    assert "15:00" in text and "10:00" in text  # old → new time, in the forum's zone
    del chose_other, chose_none


def _email_of(mails: list[Any], registration: dict[str, Any]) -> str:
    for mail in mails:
        if template_of(mail) == "confirmation" and registration["id"] in str(
            mail.message["Message-ID"]
        ):
            return str(mail.recipients[0])
    raise AssertionError(f"no confirmation for {registration['id']}")


async def test_a_cancellation_promotes_the_first_on_the_waitlist_and_tells_them(
    platform: dict[str, ServiceProcess], smtp_sink: SmtpSink
) -> None:
    code = "flow-waitlist-2030"
    registrations = f"{platform['registration'].url}/v1/forums/{code}/registrations"
    async with httpx.AsyncClient(timeout=10) as http:
        small_forum = {**FORUM, "capacity": 1}
        put = await http.put(
            f"{platform['schedule'].url}/v1/forums/{code}", json=small_forum, headers=ADMIN
        )
        assert put.status_code == 201, put.text
        first = await register(http, registrations, person("Дмитрий Первов"))
        second = await register(http, registrations, person("Елена Вторая"))
        assert (first["status"], second["status"]) == ("confirmed", "waitlisted")
        await smtp_sink.wait_for(2, within_s=30)

        cancel = await http.post(
            f"{platform['registration'].url}/v1/registrations/{first['id']}/cancel",
            headers={"Authorization": f"Bearer {first['manage_token']}"},
        )
        assert cancel.status_code == 200, cancel.text
        promoted = await http.get(
            f"{platform['registration'].url}/v1/registrations/{second['id']}",
            headers={"Authorization": f"Bearer {second['manage_token']}"},
        )
        assert promoted.json()["status"] == "confirmed"

    await smtp_sink.wait_for(4, within_s=30)
    await asyncio.sleep(2)
    by_template = sorted(template_of(m) for m in smtp_sink.messages)
    assert by_template == ["cancelled", "confirmation", "promoted", "waitlisted"]
    promoted_mail = next(m for m in smtp_sink.messages if template_of(m) == "promoted")
    assert second["id"] in str(promoted_mail.message["Message-ID"])
