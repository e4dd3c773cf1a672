"""Public iCalendar feeds of the released programme: the whole forum and each session.

Calendar apps poll these feeds: each answer carries an ETag of its content, and a poll that
sends it back in If-None-Match gets a bodiless 304 until something in the feed changes.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Literal

from fastapi import APIRouter, Request, Response
from forum_shared.service import ServiceRuntime

from forum_schedule.api import docs
from forum_schedule.api.common import ForumCode
from forum_schedule.ical import render_calendar, uid_domain
from forum_schedule.use_cases import reads
from forum_schedule.use_cases.sessions import session_not_found

ICS = "text/calendar; charset=utf-8"
FEED: docs.Responses = {
    **docs.NOT_FOUND,
    200: {"content": {"text/calendar": {}}},
    304: {"description": "Unchanged since the ETag sent in If-None-Match"},
}


def calendar_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/v1/forums/{code}", tags=["calendar"])
    domain = uid_domain(runtime.settings.mail_from)

    @router.get(
        "/schedule.ics",
        response_class=Response,
        responses=FEED,
    )
    async def forum_calendar(
        request: Request, code: ForumCode, lang: Literal["ru", "en"] = "ru"
    ) -> Response:
        programme = await reads.published_programme(code, uow_factory=runtime.uow)
        body = render_calendar(programme, domain=domain, locale=lang)
        return _ics(request, body, f"{code}.ics")

    @router.get(
        "/sessions/{session_id}.ics",
        response_class=Response,
        responses=FEED,
    )
    async def session_calendar(
        request: Request, code: ForumCode, session_id: uuid.UUID, lang: Literal["ru", "en"] = "ru"
    ) -> Response:
        programme = await reads.published_programme(code, uow_factory=runtime.uow)
        if all(snap.session_id != session_id for snap in programme.release.sessions):
            raise session_not_found(session_id)
        body = render_calendar(programme, domain=domain, locale=lang, only=session_id)
        return _ics(request, body, f"{session_id}.ics")

    return router


def _ics(request: Request, body: bytes, filename: str) -> Response:
    tag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    sent = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    if tag in sent or "*" in sent:
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return Response(body, media_type=ICS, headers=headers)
