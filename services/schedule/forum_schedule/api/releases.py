"""Conflicts and releases (admin), and the public programme of the latest release."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from forum_shared.contracts.common import SessionType
from forum_shared.service import ServiceRuntime

from forum_schedule.api import docs
from forum_schedule.api.common import CorrelationId, ForumCode
from forum_schedule.domain.conflicts import conflict_out
from forum_schedule.schemas.programme import ProgrammeFilter, programme_out
from forum_schedule.schemas.releases import ReleaseIn, release_out
from forum_schedule.use_cases import reads, releases


def releases_router(runtime: ServiceRuntime, admin: Any) -> APIRouter:
    router = APIRouter(prefix="/v1/forums/{code}", tags=["releases"])

    @router.get("/conflicts", dependencies=[admin], responses=docs.WRITE)
    async def list_conflicts(code: ForumCode) -> dict[str, Any]:
        found = await releases.list_conflicts(code, uow_factory=runtime.uow)
        return {"count": len(found), "conflicts": [conflict_out(c) for c in found]}

    @router.post("/releases", status_code=201, dependencies=[admin], responses=docs.RELEASE)
    async def publish_release(
        code: ForumCode,
        correlation_id: CorrelationId,
        body: Annotated[ReleaseIn | None, Body()] = None,
    ) -> dict[str, Any]:
        request = body or ReleaseIn()
        release = await releases.publish_release(
            code,
            uow_factory=runtime.uow,
            force=request.force,
            reason=request.reason,
            correlation_id=correlation_id,
        )
        return release_out(release)

    @router.get("/releases", responses=docs.NOT_FOUND)
    async def list_releases(code: ForumCode) -> list[dict[str, Any]]:
        return [release_out(r) for r in await releases.list_releases(code, uow_factory=runtime.uow)]

    @router.get("/releases/{version}", responses=docs.NOT_FOUND)
    async def get_release(code: ForumCode, version: Annotated[int, Path(ge=1)]) -> dict[str, Any]:
        release = await releases.get_release(code, version, uow_factory=runtime.uow)
        return release_out(release, with_sessions=True)

    @router.get("/programme", responses=docs.NOT_FOUND)
    @router.get("/schedule", responses=docs.NOT_FOUND)
    async def programme(
        code: ForumCode,
        day: date | None = None,
        hall_id: uuid.UUID | None = None,
        track: str | None = None,
        type: SessionType | None = None,
    ) -> dict[str, Any]:
        published = await reads.published_programme(code, uow_factory=runtime.uow)
        return programme_out(published, ProgrammeFilter(day, hall_id, track, type))

    return router
