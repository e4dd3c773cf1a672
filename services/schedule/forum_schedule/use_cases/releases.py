"""Releases: publish the drafts as version N with its changelog; list and read them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from forum_schedule.domain.conflicts import Conflict, find_conflicts
from forum_schedule.domain.errors import ConflictError, NotFoundError
from forum_schedule.domain.releases import Release, plan_release
from forum_schedule.repository import (
    HallRepository,
    ReleaseRepository,
    SessionRepository,
    SpeakerRepository,
)
from forum_schedule.use_cases.common import UowFactory, envelope, require_forum


async def list_conflicts(code: str, *, uow_factory: UowFactory) -> list[Conflict]:
    async with uow_factory() as uow:
        forum = await require_forum(uow, code)
        halls = await HallRepository(uow.session).list_for(code)
        speakers = await SpeakerRepository(uow.session).list_for(code)
        drafts = await SessionRepository(uow.session).list_for(code)
    return find_conflicts(forum.details, halls, speakers, drafts)


async def publish_release(
    code: str,
    *,
    uow_factory: UowFactory,
    force: bool = False,
    reason: str | None = None,
    correlation_id: uuid.UUID | None = None,
) -> Release:
    """Release the drafts; the release row and all its events commit in one transaction."""
    try:
        async with uow_factory() as uow:
            # Locking the forum row serialises releases of one forum (PostgreSQL).
            forum = await require_forum(uow, code, for_update=True)
            halls = await HallRepository(uow.session).list_for(code)
            speakers = await SpeakerRepository(uow.session).list_for(code)
            drafts = await SessionRepository(uow.session).list_for(code)
            releases = ReleaseRepository(uow.session)
            release = plan_release(
                forum_code=code,
                previous=await releases.latest(code),
                drafts=drafts,
                halls=halls,
                conflicts=find_conflicts(forum.details, halls, speakers, drafts),
                now=datetime.now(UTC),
                force=force,
                reason=reason,
            )
            await releases.add(release)
            for event in [*release.session_events(), release.published_event()]:
                uow.record(envelope(event, forum=code, correlation_id=correlation_id))
            await uow.commit()
    except IntegrityError:
        # Two releases raced for the same version (SQLite has no row lock): one wins.
        raise ConflictError(
            "Одновременно публикуется другой выпуск; повторите",
            "Another release is being published at the same time; retry",
        ) from None
    return release


async def list_releases(code: str, *, uow_factory: UowFactory) -> list[Release]:
    async with uow_factory() as uow:
        await require_forum(uow, code)
        return await ReleaseRepository(uow.session).list_for(code)


async def get_release(code: str, version: int, *, uow_factory: UowFactory) -> Release:
    async with uow_factory() as uow:
        await require_forum(uow, code)
        release = await ReleaseRepository(uow.session).get(code, version)
    if release is None:
        raise NotFoundError(
            f"Выпуск {version} не найден", f"Release {version} not found", version=version
        )
    return release
