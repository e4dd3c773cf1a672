"""Refusals answer with a status that names the problem and a message in the caller's locale."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from forum_schedule.main import create_app
from forum_shared.settings import ForumSettings

from tests.schedule.forum_data import ADMIN, CODE

SESSION = f"/v1/forums/{CODE}/sessions/{uuid.uuid4()}"


@pytest.fixture
async def client(make_settings: Callable[..., ForumSettings]) -> AsyncIterator[httpx.AsyncClient]:
    # No lifespan: these refusals come before any use case touches the database.
    transport = httpx.ASGITransport(app=create_app(make_settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_an_edit_without_a_version_is_428_in_russian_by_default(
    client: httpx.AsyncClient,
) -> None:
    response = await client.patch(SESSION, json={"track": "ТЭК"}, headers=ADMIN)
    assert response.status_code == 428
    assert response.json()["error"] == "precondition_required"
    assert "If-Match" in response.json()["message"]
    assert "Укажите версию" in response.json()["message"]


async def test_an_unreadable_if_match_is_412_in_english_when_asked(
    client: httpx.AsyncClient,
) -> None:
    headers = {**ADMIN, "If-Match": "not-a-version", "Accept-Language": "en"}
    response = await client.patch(SESSION, json={"track": "ТЭК"}, headers=headers)
    assert response.status_code == 412
    assert response.json()["message"].startswith("If-Match must carry")


async def test_a_forced_release_field_must_be_known(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/v1/forums/{CODE}/releases", json={"force": True, "why": "x"}, headers=ADMIN
    )
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["why"]


async def test_session_times_need_an_offset(client: httpx.AsyncClient) -> None:
    body = {
        "title": {"ru": "Панель"},
        "type": "panel",
        "starts_at": "2022-11-23T10:00:00",
        "ends_at": "2022-11-23T11:00:00+03:00",
    }
    response = await client.post(f"/v1/forums/{CODE}/sessions", json=body, headers=ADMIN)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["fields"]] == ["starts_at"]


async def test_an_unknown_session_type_is_422(client: httpx.AsyncClient) -> None:
    body = {
        "title": {"ru": "Фуршет"},
        "type": "banquet",
        "starts_at": "2022-11-23T10:00:00+03:00",
        "ends_at": "2022-11-23T11:00:00+03:00",
    }
    response = await client.post(f"/v1/forums/{CODE}/sessions", json=body, headers=ADMIN)
    assert response.status_code == 422
    assert response.json()["fields"][0] == {"field": "type", "message": "недопустимое значение"}
