"""The HTTP shell shared by every service: readable refusals, documented honestly."""

from pathlib import Path

import httpx
from fastapi import APIRouter
from forum_shared.http import admin_guard, create_service_app
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings
from pydantic import BaseModel
from sqlalchemy import MetaData


class Thing(BaseModel):
    name: str


def make_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    runtime = ServiceRuntime("shell", ForumSettings(var_dir=tmp_path), MetaData())
    router = APIRouter()

    @router.post("/things/{thing_id}", dependencies=[admin_guard("secret-token")])
    async def create_thing(thing_id: int, thing: Thing) -> dict[str, str]:
        return {"name": thing.name}

    return create_service_app(runtime, title="shell", routers=[router])


async def test_errors_are_readable_and_documented(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.post("/things/1", json={"name": "a"})).status_code == 401
        auth = {"Authorization": "Bearer secret-token"}
        assert (await c.post("/things/1", json={"name": "зал"}, headers=auth)).json() == {
            "name": "зал"
        }
        invalid = await c.post("/things/1", json={}, headers=auth)
        assert invalid.status_code == 422
        assert invalid.json()["fields"] == [{"field": "name", "message": "обязательное поле"}]
        english = await c.post("/things/1", json={}, headers={**auth, "Accept-Language": "en"})
        assert english.json()["fields"][0]["message"] == "Field required"

    operation = app.openapi()["paths"]["/things/{thing_id}"]["post"]
    assert {"401", "404", "422"} <= set(operation["responses"])
    assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationProblem"
    }
    assert operation["security"] == [{"HTTPBearer": []}]


async def test_lone_surrogates_are_refused_before_they_reach_a_database(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    body = b'{"name": "\\udc80 broken"}'
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        answer = await c.post(
            "/things/1",
            content=body,
            headers={"Authorization": "Bearer secret-token", "Content-Type": "application/json"},
        )
        assert answer.status_code == 422
        assert "суррогат" in answer.json()["fields"][0]["message"]
        pair = await c.post(
            "/things/1",
            content=b'{"name": "\\ud83d\\ude00"}',
            headers={"Authorization": "Bearer secret-token", "Content-Type": "application/json"},
        )
        assert pair.json() == {"name": "😀"}
