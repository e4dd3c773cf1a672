"""The programme page of the schedule service over HTTP (SQLite, the demo programme)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from forum_schedule.commands import import_programme_file
from forum_schedule.demo import DEMO_PROGRAMME
from forum_schedule.main import create_app
from forum_shared.settings import ForumSettings

FORUM = "promenergovolga-2022"


@pytest.fixture
async def client(make_settings: Callable[..., ForumSettings]) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings()
    await import_programme_file(DEMO_PROGRAMME, settings)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://forum.test") as http:
        yield http
    await app.state.runtime.engine.dispose()


async def test_the_programme_by_day_with_calendar_and_sign_up_links(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get(f"/forums/{FORUM}/programme")
    assert page.status_code == 200
    assert '<html lang="ru">' in page.text
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert re.findall(r'<h2 id="h-[^"]+" class="day-title">([^<]+)<', page.text) == [
        "Среда, 23 ноября",
        "Четверг, 24 ноября",
        "Пятница, 25 ноября",
    ]
    assert "09:30<span" in page.text  # the forum's own time, not UTC
    assert f'href="/v1/forums/{FORUM}/schedule.ics?lang=ru"' in page.text
    sessions = re.findall(r'id="session-([0-9a-f-]+)"', page.text)
    assert len(sessions) == 22
    assert f"/v1/forums/{FORUM}/sessions/{sessions[0]}.ics?lang=ru" in page.text
    assert f"/forums/{FORUM}/register?session={sessions[0]}&amp;lang=ru" in page.text
    english = await client.get(f"/forums/{FORUM}/programme", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.text and "Wednesday, 23 November" in english.text


async def test_filters_narrow_the_programme_and_bad_values_are_ignored(
    client: httpx.AsyncClient,
) -> None:
    seminars = await client.get(f"/forums/{FORUM}/programme?type=seminar")
    kinds = set(re.findall(r'<span class="kind kind-([a-z_]+)">', seminars.text))
    assert kinds == {"seminar"}
    odd = await client.get(f"/forums/{FORUM}/programme?type=dance&hall=nope")
    assert odd.status_code == 200
    assert len(re.findall(r'id="session-', odd.text)) == 22


async def test_an_unknown_forum_gets_a_readable_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/forums/no-such-forum/programme")
    assert page.status_code == 404
    assert "Программа не найдена" in page.text
    assert page.headers["content-type"].startswith("text/html")
