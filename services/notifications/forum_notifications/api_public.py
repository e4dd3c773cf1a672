"""Public routes: the unsubscribe page and RFC 8058 one-click unsubscribe (POST).

GET only shows a confirmation form, because mail scanners follow links; the POST (from the
form or from the mail client's one-click button) switches the kind of mail off.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from forum_shared.service import ServiceRuntime

from forum_notifications.domain import pick_locale
from forum_notifications.models import EmailRow
from forum_notifications.preferences import email_key, token_valid
from forum_notifications.rendering import Renderer
from forum_notifications.repository import preferences

Kind = Literal["digests", "reminders"]


REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The link's signature does not match (forged or mistyped link)"},
}


def public_router(runtime: ServiceRuntime, renderer: Renderer) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["preferences"])
    secret = runtime.settings.secret_key

    async def recipient(email_id: uuid.UUID, kind: str, token: str) -> EmailRow:
        if not token_valid(secret, email_id, kind, token):
            raise HTTPException(
                status_code=403,
                detail={"error": "bad_link", "message": "Ссылка неверна / invalid link"},
            )
        async with runtime.session_factory() as session:
            row = await session.get(EmailRow, email_id)
        if row is None or not row.to_email:
            raise HTTPException(
                status_code=404,
                detail={"error": "not_found", "message": "Письмо не найдено / email not found"},
            )
        return row

    def page(row: EmailRow, kind: str, *, done: bool, action: str = "") -> HTMLResponse:
        template = renderer.env.get_template("_unsubscribe_page.html.j2")
        html = template.render(locale=pick_locale(row.locale), kind=kind, done=done, action=action)
        return HTMLResponse(html)

    @router.get("/unsubscribe/{email_id}", response_class=HTMLResponse, responses=REFUSALS)
    async def confirm(
        email_id: uuid.UUID, kind: Kind, token: str, request: Request
    ) -> HTMLResponse:
        """A page asking to confirm; following the link alone changes nothing."""
        row = await recipient(email_id, kind, token)
        return page(row, kind, done=False, action=str(request.url))

    @router.post("/unsubscribe/{email_id}", response_class=HTMLResponse, responses=REFUSALS)
    async def unsubscribe(email_id: uuid.UUID, kind: Kind, token: str) -> HTMLResponse:
        """One-click unsubscribe (RFC 8058): the body, if any, is `List-Unsubscribe=One-Click`."""
        row = await recipient(email_id, kind, token)
        async with runtime.uow() as uow:
            await preferences.switch_off(uow.session, email_key(row.to_email), kind)
            await uow.commit()
        return page(row, kind, done=True)

    return router
