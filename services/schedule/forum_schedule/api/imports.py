"""Programme import (admin): a whole programme file in, drafts and a release out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from forum_shared.service import ServiceRuntime

from forum_schedule.api import docs
from forum_schedule.api.common import CorrelationId
from forum_schedule.schemas.forums import forum_out
from forum_schedule.schemas.imports import ProgrammeFile
from forum_schedule.schemas.releases import release_out
from forum_schedule.use_cases.imports import import_programme


def imports_router(runtime: ServiceRuntime, admin: Any) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["import"])

    @router.post("/imports", dependencies=[admin], responses=docs.RELEASE)
    async def import_file(body: ProgrammeFile, correlation_id: CorrelationId) -> dict[str, Any]:
        """Load a programme file as drafts and release it; re-importing it changes nothing."""
        result = await import_programme(
            body, uow_factory=runtime.uow, correlation_id=correlation_id
        )
        return {
            "forum": forum_out(result.forum),
            "counts": result.counts,
            "release": release_out(result.release) if result.release else None,
        }

    return router
