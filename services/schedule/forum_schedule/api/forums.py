"""Forum editions: the organiser puts them, anyone reads them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from forum_shared.service import ServiceRuntime

from forum_schedule.api import docs
from forum_schedule.api.common import CorrelationId, ForumCode, IfMatch, etag, optional_expected
from forum_schedule.schemas.forums import ForumIn, forum_out
from forum_schedule.use_cases import forums as use_cases


def forums_router(runtime: ServiceRuntime, admin: Any) -> APIRouter:
    router = APIRouter(prefix="/v1/forums", tags=["forums"])

    @router.put(
        "/{code}",
        dependencies=[admin],
        responses={**docs.EDIT, 201: {"description": "Created"}},
    )
    async def put_forum(
        code: ForumCode,
        body: ForumIn,
        response: Response,
        correlation_id: CorrelationId,
        if_match: IfMatch = None,
    ) -> dict[str, Any]:
        """Create (201) or revise (200); `version` or `If-Match`, when given, must be current."""
        forum, created = await use_cases.save_forum(
            code,
            body.to_domain(),
            uow_factory=runtime.uow,
            correlation_id=correlation_id,
            expected=optional_expected(if_match, body.version),
        )
        response.status_code = 201 if created else 200
        response.headers["ETag"] = etag(forum.version)
        return forum_out(forum)

    @router.get("/{code}", responses=docs.NOT_FOUND)
    async def get_forum(code: ForumCode, response: Response) -> dict[str, Any]:
        forum = await use_cases.get_forum(code, uow_factory=runtime.uow)
        response.headers["ETag"] = etag(forum.version)
        return forum_out(forum)

    return router
