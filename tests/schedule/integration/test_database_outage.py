"""With its database gone the service answers a retryable 503, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from forum_schedule.main import create_app
from forum_shared.settings import ForumSettings

from tests.schedule.forum_data import ADMIN, CODE, forum_body

pytestmark = pytest.mark.integration


async def test_a_lost_database_is_a_503_with_retry_after(
    make_settings: Callable[..., ForumSettings],
    amqp_url: str,
    database_url: str,
    postgres_admin_url: str,
) -> None:
    app = create_app(make_settings(amqp_url=amqp_url, database_url=database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (
                await client.put(f"/v1/forums/{CODE}", json=forum_body(), headers=ADMIN)
            ).is_success
            admin = await asyncpg.connect(postgres_admin_url.replace("+asyncpg", ""))
            try:
                name = urlsplit(database_url).path.lstrip("/")
                await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            finally:
                await admin.close()
            response = await client.get(f"/v1/forums/{CODE}", headers={"Accept-Language": "en"})
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"] == "unavailable"
