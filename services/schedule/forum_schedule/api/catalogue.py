"""Halls and speakers of a forum (admin)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from forum_shared.service import ServiceRuntime

from forum_schedule.api import docs
from forum_schedule.api.common import CorrelationId, ForumCode, IfMatch, optional_expected
from forum_schedule.schemas.catalogue import HallIn, SpeakerIn, hall_out, speaker_out
from forum_schedule.use_cases import catalogue


def catalogue_router(runtime: ServiceRuntime, admin: Any) -> APIRouter:
    router = APIRouter(prefix="/v1/forums/{code}", tags=["halls and speakers"])

    @router.post("/halls", status_code=201, dependencies=[admin], responses=docs.WRITE)
    async def add_hall(
        code: ForumCode, body: HallIn, correlation_id: CorrelationId
    ) -> dict[str, Any]:
        hall = await catalogue.add_hall(
            body.to_domain(code), uow_factory=runtime.uow, correlation_id=correlation_id
        )
        return hall_out(hall)

    @router.put("/halls/{hall_id}", dependencies=[admin], responses=docs.EDIT)
    async def revise_hall(
        code: ForumCode,
        hall_id: uuid.UUID,
        body: HallIn,
        correlation_id: CorrelationId,
        if_match: IfMatch = None,
    ) -> dict[str, Any]:
        hall = await catalogue.revise_hall(
            code,
            hall_id,
            body.to_domain(code),
            uow_factory=runtime.uow,
            correlation_id=correlation_id,
            expected=optional_expected(if_match, body.version),
        )
        return hall_out(hall)

    @router.get("/halls", responses=docs.NOT_FOUND)
    async def list_halls(code: ForumCode) -> list[dict[str, Any]]:
        return [hall_out(h) for h in await catalogue.list_halls(code, uow_factory=runtime.uow)]

    @router.post("/speakers", status_code=201, dependencies=[admin], responses=docs.WRITE)
    async def add_speaker(
        code: ForumCode, body: SpeakerIn, correlation_id: CorrelationId
    ) -> dict[str, Any]:
        speaker = await catalogue.add_speaker(
            body.to_domain(code), uow_factory=runtime.uow, correlation_id=correlation_id
        )
        return speaker_out(speaker)

    @router.put("/speakers/{speaker_id}", dependencies=[admin], responses=docs.EDIT)
    async def revise_speaker(
        code: ForumCode,
        speaker_id: uuid.UUID,
        body: SpeakerIn,
        correlation_id: CorrelationId,
        if_match: IfMatch = None,
    ) -> dict[str, Any]:
        speaker = await catalogue.revise_speaker(
            code,
            speaker_id,
            body.to_domain(code),
            uow_factory=runtime.uow,
            correlation_id=correlation_id,
            expected=optional_expected(if_match, body.version),
        )
        return speaker_out(speaker)

    @router.get("/speakers", dependencies=[admin], responses=docs.WRITE)
    async def list_speakers(code: ForumCode) -> list[dict[str, Any]]:
        speakers = await catalogue.list_speakers(code, uow_factory=runtime.uow)
        return [speaker_out(speaker) for speaker in speakers]

    return router
