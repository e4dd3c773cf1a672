"""The admin API refuses bad forums with readable 422s before touching the database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from forum_schedule.main import create_app
from forum_shared.settings import ForumSettings

from tests.schedule.forum_data import ADMIN, CODE, forum_body


@pytest.fixture
async def client(make_settings: Callable[..., ForumSettings]) -> AsyncIterator[httpx.AsyncClient]:
    # No lifespan: validation answers before any use case, so no broker or database is needed.
    app = create_app(make_settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def fields(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {item["field"]: item["message"] for item in response.json()["fields"]}


async def test_unknown_time_zone_is_a_readable_422(client: httpx.AsyncClient) -> None:
    response = await client.put(
        f"/v1/forums/{CODE}", json=forum_body(timezone="Europe/Atlantis"), headers=ADMIN
    )
    assert "Europe/Atlantis" in fields(response)["timezone"]


@pytest.mark.parametrize("code", ["ab", "Forum2022", "forum_2022", "x" * 65])
async def test_bad_code_in_path_is_a_422(client: httpx.AsyncClient, code: str) -> None:
    response = await client.put(f"/v1/forums/{code}", json=forum_body(), headers=ADMIN)
    assert "код форума" in fields(response)["code"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"ends_on": "2022-11-22"}, "ends_on"),
        ({"capacity": 0}, "capacity"),
        ({"registration_opens_at": "2022-10-01T09:00:00"}, "registration_opens_at"),
        ({"registration_closes_at": "2022-09-01T09:00:00+03:00"}, "registration_closes_at"),
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"title": {"en": "Only English"}}, "title.ru"),
        ({"starts_on": "23.11.2022"}, "starts_on"),
    ],
)
async def test_bad_fields_are_named(
    client: httpx.AsyncClient, override: dict[str, Any], field: str
) -> None:
    response = await client.put(f"/v1/forums/{CODE}", json=forum_body(**override), headers=ADMIN)
    assert field in fields(response)


async def test_put_without_admin_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.put(f"/v1/forums/{CODE}", json=forum_body())
    assert response.status_code == 401
