"""The operations API: previews, the email log and resending, behind the organiser's token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from tests.notifications.factories import attendee_registered, forum_updated

AUTH = {"Authorization": "Bearer test-admin-token"}


async def test_preview_needs_the_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/templates/confirmation/preview")
    assert response.status_code == 401


async def test_preview_html_in_russian_with_inline_badge(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/templates/confirmation/preview", params={"locale": "ru"}, headers=AUTH
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Регистрация подтверждена" in response.text
    assert 'src="data:image/png;base64,' in response.text


async def test_preview_text_and_subject_in_english(client: httpx.AsyncClient) -> None:
    text = await client.get(
        "/v1/templates/schedule_digest/preview",
        params={"locale": "en", "format": "text"},
        headers=AUTH,
    )
    assert text.status_code == 200 and "Volga Hall" in text.text
    subject = await client.get(
        "/v1/templates/rejected/preview",
        params={"locale": "en", "format": "subject"},
        headers=AUTH,
    )
    assert subject.text == "Application declined: PromEnergoVolga 2026"


async def test_unknown_template_and_bad_locale_are_4xx(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/templates/nope/preview", headers=AUTH)
    assert missing.status_code == 404 and "nope" in missing.text
    bad = await client.get(
        "/v1/templates/confirmation/preview", params={"locale": "de"}, headers=AUTH
    )
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "locale"


async def test_log_by_status_and_resend(
    client: httpx.AsyncClient, feed: Callable[..., Awaitable[None]]
) -> None:
    await feed(forum_updated(), attendee_registered())
    page = (await client.get("/v1/notifications?status=queued", headers=AUTH)).json()
    assert page["count"] == 1
    email = page["items"][0]
    assert email["template"] == "confirmation" and email["status"] == "queued"
    assert (await client.get("/v1/notifications?status=sent", headers=AUTH)).json()["count"] == 0
    resent = await client.post(f"/v1/notifications/{email['id']}/resend", headers=AUTH)
    assert resent.status_code == 200 and resent.json()["last_error"] == "resent by an operator"
    gone = await client.post(
        "/v1/notifications/00000000-0000-4000-8000-000000000000/resend", headers=AUTH
    )
    assert gone.status_code == 404
