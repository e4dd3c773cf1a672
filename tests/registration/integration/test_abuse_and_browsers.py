"""Rate limits (429 with Retry-After) and CORS with an explicit allow-list, on the real app."""

from __future__ import annotations

import pytest
from forum_registration.config import RegistrationSettings
from forum_shared.settings import ForumSettings

from tests.registration.helpers import FORUM, deliver, forum_updated, registration_body
from tests.registration.integration.conftest import started

pytestmark = pytest.mark.integration
FRONTEND = "https://reg.example.ru"


async def test_rate_limit_and_cors(platform_settings: ForumSettings) -> None:
    extras = RegistrationSettings(rate_limit_per_minute=3, cors_origins=[FRONTEND])
    async with started(platform_settings, extras) as running:
        client = running.client
        await deliver(running.runtime, forum_updated())
        url = f"/v1/forums/{FORUM}/registrations"

        same_email = [
            (await client.post(url, json=registration_body())).status_code for _ in range(3)
        ]
        limited = await client.post(url, json=registration_body(email="new@example.ru"))

        assert same_email == [201, 409, 409]
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert limited.json()["error"] == "rate_limited"

        allowed = await client.options(
            url,
            headers={"Origin": FRONTEND, "Access-Control-Request-Method": "POST"},
        )
        assert allowed.headers["access-control-allow-origin"] == FRONTEND
        stranger = await client.options(
            url,
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in stranger.headers
