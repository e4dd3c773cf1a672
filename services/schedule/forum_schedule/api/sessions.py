"""Draft sessions (admin): create, read, edit with optimistic concurrency, cancel, restore."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from forum_shared.service import ServiceRuntime

from forum_schedule.api import docs
from forum_schedule.api.common import ForumCode, IfMatch, etag, expected_version
from forum_schedule.schemas.sessions import CancelIn, SessionIn, SessionPatch, session_out
from forum_schedule.use_cases import sessions


def sessions_router(runtime: ServiceRuntime, admin: Any) -> APIRouter:
    router = APIRouter(
        prefix="/v1/forums/{code}/sessions",
        tags=["sessions"],
        dependencies=[admin],
        responses=docs.WRITE,
    )

    @router.post("", status_code=201)
    async def create_session(
        code: ForumCode, body: SessionIn, response: Response
    ) -> dict[str, Any]:
        draft = await sessions.create_session(code, body.to_domain(), uow_factory=runtime.uow)
        response.headers["ETag"] = etag(draft.version)
        return session_out(draft)

    @router.get("")
    async def list_sessions(code: ForumCode) -> list[dict[str, Any]]:
        return [session_out(s) for s in await sessions.list_sessions(code, uow_factory=runtime.uow)]

    @router.get("/{session_id}")
    async def get_session(
        code: ForumCode, session_id: uuid.UUID, response: Response
    ) -> dict[str, Any]:
        draft = await sessions.get_session(code, session_id, uow_factory=runtime.uow)
        response.headers["ETag"] = etag(draft.version)
        return session_out(draft)

    @router.patch("/{session_id}", responses=docs.STRICT_EDIT)
    async def edit_session(
        code: ForumCode,
        session_id: uuid.UUID,
        body: SessionPatch,
        response: Response,
        if_match: IfMatch = None,
    ) -> dict[str, Any]:
        expected = expected_version(if_match, body.version)
        draft = await sessions.edit_session(
            code, session_id, body.changes(), expected, uow_factory=runtime.uow
        )
        response.headers["ETag"] = etag(draft.version)
        return session_out(draft)

    @router.post("/{session_id}/cancel", responses=docs.STRICT_EDIT)
    async def cancel_session(
        code: ForumCode,
        session_id: uuid.UUID,
        response: Response,
        body: Annotated[CancelIn | None, Body()] = None,
        if_match: IfMatch = None,
    ) -> dict[str, Any]:
        """Cancel a draft; released, it stays in the programme as cancelled."""
        expected = expected_version(if_match, body.version if body else None)
        draft = await sessions.cancel_session(code, session_id, expected, uow_factory=runtime.uow)
        response.headers["ETag"] = etag(draft.version)
        return session_out(draft)

    @router.post("/{session_id}/restore", responses=docs.STRICT_EDIT)
    async def restore_session(
        code: ForumCode,
        session_id: uuid.UUID,
        response: Response,
        body: Annotated[CancelIn | None, Body()] = None,
        if_match: IfMatch = None,
    ) -> dict[str, Any]:
        """Undo a cancellation (the next release reports the session as added again)."""
        expected = expected_version(if_match, body.version if body else None)
        draft = await sessions.restore_session(code, session_id, expected, uow_factory=runtime.uow)
        response.headers["ETag"] = etag(draft.version)
        return session_out(draft)

    return router
