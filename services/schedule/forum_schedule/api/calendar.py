"""Public iCalendar feeds of the released programme: the whole forum and each session."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Response
from forum_shared.service import ServiceRuntime

from forum_schedule.api import docs
from forum_schedule.api.common import ForumCode
from forum_schedule.ical import render_calendar, uid_domain
from forum_schedule.use_cases import reads
from forum_schedule.use_cases.sessions import session_not_found

ICS = "text/calendar; charset=utf-8"


def calendar_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/v1/forums/{code}", tags=["calendar"])
    domain = uid_domain(runtime.settings.mail_from)

    @router.get(
        "/schedule.ics",
        response_class=Response,
        responses={**docs.NOT_FOUND, 200: {"content": {"text/calendar": {}}}},
    )
    async def forum_calendar(code: ForumCode, lang: Literal["ru", "en"] = "ru") -> Response:
        programme = await reads.published_programme(code, uow_factory=runtime.uow)
        body = render_calendar(programme, domain=domain, locale=lang)
        return _ics(body, f"{code}.ics")

    @router.get(
        "/sessions/{session_id}.ics",
        response_class=Response,
        responses={**docs.NOT_FOUND, 200: {"content": {"text/calendar": {}}}},
    )
    async def session_calendar(
        code: ForumCode, session_id: uuid.UUID, lang: Literal["ru", "en"] = "ru"
    ) -> Response:
        programme = await reads.published_programme(code, uow_factory=runtime.uow)
        if all(snap.session_id != session_id for snap in programme.release.sessions):
            raise session_not_found(session_id)
        body = render_calendar(programme, domain=domain, locale=lang, only=session_id)
        return _ics(body, f"{session_id}.ics")

    return router


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body, media_type=ICS, headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
