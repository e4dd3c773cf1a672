"""The attendee pages over HTTP without a browser: the no-JavaScript paths, headers, languages,
the confirmation step and the "changed since your last visit" memory (SQLite, no broker)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from urllib.parse import urlencode

import httpx
import pytest
from forum_registration.config import RegistrationSettings
from forum_registration.main import create_app
from forum_shared.contracts.common import LocalizedText, SessionType
from forum_shared.contracts.envelope import EventEnvelope
from forum_shared.contracts.schedule import ChangeKind, SessionChanged, SessionSnapshot
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings

from tests.registration.helpers import FORUM, deliver, forum_updated

SEMINAR = uuid.UUID("3f1b2c4d-0000-4000-8000-000000000001")
FORM = {
    "key": "k-1",
    "lang": "ru",
    "full_name": "Иванова Мария Сергеевна",
    "email": "m.ivanova@example.ru",
    "region": "Волгоградская обл.",
    "category": "delegate",
    "locale": "ru",
    "session_ids": str(SEMINAR),
    "consents.personal_data": "yes",
}


def seminar(version: int = 1, starts: str = "2099-11-23T14:30:00+03:00") -> EventEnvelope:
    ends = datetime.fromisoformat(starts).replace(hour=datetime.fromisoformat(starts).hour + 1)
    snapshot = SessionSnapshot(
        session_id=SEMINAR,
        title=LocalizedText(ru="Семинар «Защита ИС»", en="Seminar on IP"),
        type=SessionType.SEMINAR,
        starts_at=datetime.fromisoformat(starts),
        ends_at=ends,
        hall_id=uuid.uuid4(),
        hall_name=LocalizedText(ru="Семинарская", en="Seminar room"),
        capacity=60,
        version=version,
    )
    data = SessionChanged(release_version=version, kinds=[ChangeKind.ADDED], session=snapshot)
    return EventEnvelope.wrap(data, producer="schedule", forum=FORUM)


@pytest.fixture
async def site(
    make_settings: Callable[..., ForumSettings],
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceRuntime]]:
    settings = make_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings, RegistrationSettings(rate_limit_per_minute=0))
    runtime: ServiceRuntime = app.state.runtime
    async with runtime.engine.begin() as connection:
        await connection.run_sync(runtime.metadata.create_all)
    await deliver(runtime, forum_updated())
    await deliver(runtime, seminar())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://forum.test") as client:
        yield client, runtime
    await runtime.engine.dispose()


def form_post(client: httpx.AsyncClient, url: str, data: dict[str, str]) -> object:
    return client.post(
        url,
        content=urlencode(data),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


async def test_the_form_is_russian_first_labelled_and_served_with_strict_headers(
    site: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = site
    page = await client.get(f"/forums/{FORUM}/register")
    assert page.status_code == 200
    assert '<html lang="ru">' in page.text
    assert '<label for="f-full_name">ФИО' in page.text and 'id="f-full_name"' in page.text
    assert "Семинар «Защита ИС»" in page.text and "14:30–15:30" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "<script>" not in page.text  # no inline scripts: everything is a local file
    english = await client.get(f"/forums/{FORUM}/register", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.text and "Full name" in english.text
    assert '<html lang="en">' in (await client.get(f"/forums/{FORUM}/register?lang=en")).text
    script = await client.get("/assets/registration/register.js")
    assert script.status_code == 200 and "Idempotency-Key" in script.text
    assert (await client.get("/assets/registration/..%2Fmain.py")).status_code == 404


async def test_without_javascript_the_form_registers_once_and_thanks_with_next_steps(
    site: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = site
    first = await form_post(client, f"/forums/{FORUM}/register", FORM)
    assert first.status_code == 303
    location = first.headers["location"]
    assert re.match(rf"/forums/{FORUM}/registered/[0-9a-f-]+\?token=[\w-]+&lang=ru$", location)
    again = await form_post(client, f"/forums/{FORUM}/register", FORM)  # a double submission
    assert again.headers["location"] == location
    odd = await form_post(client, f"/forums/{FORUM}/register", {**FORM, "lang": "de&x=1"})
    assert odd.headers["location"] == location  # only ru/en pass into the link
    thanks = await client.get(location)
    assert thanks.status_code == 200
    assert "Участие подтверждено" in thanks.text and "m.ivanova@example.ru" in thanks.text
    assert thanks.headers["referrer-policy"] == "no-referrer"
    assert thanks.headers["cache-control"] == "no-store"
    seats = (await client.get(f"/v1/forums/{FORUM}/seats")).json()["sessions"]
    assert seats == [
        {
            "session_id": str(SEMINAR),
            "capacity": 60,
            "seats_left": 59,
            "taken": 1,
            "starts_at": "2099-11-23T11:30:00+00:00",
        }
    ]


async def test_without_javascript_every_bad_field_is_named_next_to_it(
    site: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = site
    bad = {**FORM, "full_name": "", "email": "не-адрес", "consents.personal_data": ""}
    page = await form_post(client, f"/forums/{FORUM}/register", bad)
    assert page.status_code == 422
    name_error = re.search(r'id="f-full_name-error">([^<]*)<', page.text)
    assert name_error and name_error.group(1) == "обязательное поле"
    assert re.search(r'id="f-email-error">некорректный адрес', page.text)
    assert re.search(r'id="f-consents-personal_data-error">нужно согласие', page.text)
    assert 'value="не-адрес"' in page.text  # what was typed stays
    assert "ФИО: обязательное поле" in page.text  # the summary names the field


async def test_the_personal_page_remembers_what_was_seen_and_asks_before_cancelling(
    site: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, runtime = site
    thanks = (await form_post(client, f"/forums/{FORUM}/register", FORM)).headers["location"]
    registration_id, token = re.findall(r"registered/([0-9a-f-]+)\?token=([\w-]+)", thanks)[0]
    url = f"/manage/{registration_id}?token={token}"
    first = await client.get(url)
    assert first.status_code == 200 and first.headers["referrer-policy"] == "no-referrer"
    assert "<svg" in first.text and "Изменилось с вашего прошлого визита" not in first.text

    await deliver(runtime, seminar(version=2, starts="2099-11-23T16:30:00+03:00"))
    moved = await client.get(url)
    assert "Изменилось с вашего прошлого визита" in moved.text
    assert "время: было 23 ноября, 14:30" in moved.text
    assert "Изменилось с вашего прошлого визита" not in (await client.get(url)).text

    action = f"/manage/{registration_id}/cancel"
    asked = await form_post(client, action, {"token": token, "lang": "ru"})
    assert asked.status_code == 200 and "Подтвердите действие" in asked.text
    assert "Участие подтверждено" in (await client.get(url)).text  # nothing happened yet
    done = await form_post(client, action, {"token": token, "lang": "ru", "confirmed": "yes"})
    assert done.status_code == 303 and done.headers["location"].endswith("notice=cancel")
    assert "Регистрация отменена" in (await client.get(done.headers["location"])).text


async def test_a_wrong_token_gets_the_same_page_as_an_unknown_registration(
    site: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = site
    thanks = (await form_post(client, f"/forums/{FORUM}/register", FORM)).headers["location"]
    registration_id = re.findall(r"registered/([0-9a-f-]+)", thanks)[0]
    wrong = await client.get(f"/manage/{registration_id}?token=forged")
    unknown = await client.get(f"/manage/{uuid.uuid4()}?token=forged")
    assert wrong.status_code == unknown.status_code == 404
    assert "Ссылка не работает" in wrong.text
    assert wrong.text == unknown.text


def test_both_services_serve_the_same_stylesheet() -> None:
    """Each service ships its own copy (no cross-service imports); they must not drift."""
    from pathlib import Path

    import forum_registration.pages
    import forum_schedule.pages

    def css(package: object) -> str:
        return (Path(str(package.__file__)).parent / "static" / "pages.css").read_text()

    assert css(forum_registration.pages) == css(forum_schedule.pages)


async def test_erasing_asks_first_then_wipes_the_data_and_the_link_stops_working(
    site: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, _ = site
    thanks = (await form_post(client, f"/forums/{FORUM}/register", FORM)).headers["location"]
    registration_id, token = re.findall(r"registered/([0-9a-f-]+)\?token=([\w-]+)", thanks)[0]
    action = f"/manage/{registration_id}/erase"
    asked = await form_post(client, action, {"token": token, "lang": "en"})
    assert asked.status_code == 200 and "Please confirm" in asked.text
    assert '<html lang="en">' in asked.text
    done = await form_post(client, action, {"token": token, "lang": "en", "confirmed": "yes"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/forums/{FORUM}/erased?lang=en"
    assert "Your personal data is erased" in (await client.get(done.headers["location"])).text
    gone = await client.get(f"/manage/{registration_id}?token={token}")
    assert gone.status_code == 404
    assert "m.ivanova@example.ru" not in gone.text


async def test_asking_for_the_link_again_answers_the_same_for_any_address(
    site: tuple[httpx.AsyncClient, ServiceRuntime],
) -> None:
    client, runtime = site
    await form_post(client, f"/forums/{FORUM}/register", FORM)
    known = await form_post(
        client, f"/forums/{FORUM}/manage-link?lang=ru", {"email": FORM["email"]}
    )
    unknown = await form_post(
        client, f"/forums/{FORUM}/manage-link?lang=ru", {"email": "nobody@example.ru"}
    )
    assert known.status_code == unknown.status_code == 200
    sent = "Если этот адрес зарегистрирован, на него отправлена новая ссылка."
    assert sent in known.text and sent in unknown.text
    async with runtime.uow() as uow:
        outbox = (await uow.session.execute(runtime.outbox_table.select())).all()
    assert sum("registration.link.requested" in str(row) for row in outbox) == 1
