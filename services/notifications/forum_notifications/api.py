"""Operations API (organiser's token): the email log, resending, template previews."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from forum_shared.http import admin_guard
from forum_shared.service import ServiceRuntime
from pydantic import BaseModel

from forum_notifications.domain import EmailStatus, Template
from forum_notifications.models import EmailRow
from forum_notifications.rendering import RenderError
from forum_notifications.repository import emails as email_log
from forum_notifications.samples import inline_images, sample_email
from forum_notifications.use_cases import Mailer


class EmailOut(BaseModel):
    id: uuid.UUID
    source_event_id: uuid.UUID
    recipient_id: uuid.UUID
    template: str
    locale: str
    to_email: str
    subject: str | None
    message_id: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime | None
    sent_at: datetime | None
    failed_at: datetime | None

    @classmethod
    def of(cls, row: EmailRow) -> EmailOut:
        return cls.model_validate(row, from_attributes=True)


class EmailPage(BaseModel):
    items: list[EmailOut]
    count: int


def _not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail={"error": "not_found", "message": what})


def operations_router(runtime: ServiceRuntime, mailer: Mailer) -> APIRouter:
    router = APIRouter(prefix="/v1", dependencies=[admin_guard(runtime.settings.admin_token)])

    @router.get("/notifications", tags=["operations"])
    async def list_notifications(
        recipient_id: uuid.UUID | None = None,
        status: EmailStatus | None = None,
        source_event_id: uuid.UUID | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> EmailPage:
        """The email log, newest first, by recipient, status or source event."""
        async with runtime.session_factory() as session:
            rows = await email_log.search(
                session,
                recipient_id=recipient_id,
                status=status,
                source_event_id=source_event_id,
                limit=limit,
            )
        return EmailPage(items=[EmailOut.of(row) for row in rows], count=len(rows))

    @router.post("/notifications/{email_id}/resend", tags=["operations"])
    async def resend(email_id: uuid.UUID) -> EmailOut:
        """Queue the email again (same Message-ID); the sender picks it up at once."""
        async with runtime.uow() as uow:
            row = await email_log.requeue(uow.session, email_id)
            if row is None:
                raise _not_found("Письмо не найдено / email not found")
            await uow.commit()
        return EmailOut.of(row)

    @router.get("/templates", tags=["templates"])
    async def list_templates() -> list[str]:
        return [template.value for template in Template]

    @router.get("/templates/{name}/preview", tags=["templates"], response_model=None)
    async def preview(
        name: str,
        locale: Literal["ru", "en"] = "ru",
        format: Literal["html", "text", "subject"] = "html",
    ) -> Response:
        """A template rendered with sample data, as the recipient would see it."""
        if name not in {template.value for template in Template}:
            raise _not_found(f"Нет шаблона {name!r} / no template {name!r}")
        try:
            email = sample_email(name, locale, mailer)
        except RenderError as error:
            raise HTTPException(
                status_code=500, detail={"error": "render_failed", "message": str(error)}
            ) from error
        if format == "html":
            return HTMLResponse(inline_images(email))
        return PlainTextResponse(email.text if format == "text" else email.subject)

    return router
