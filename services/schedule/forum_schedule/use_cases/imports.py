"""Import a programme file: forum, halls, speakers and sessions as drafts, then release them.

Everything — the drafts, the release and every event — commits in one transaction, so a
refused import (conflicts, bad references) leaves nothing half-written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from forum_shared.contracts.envelope import EventData
from forum_shared.db import UnitOfWork

from forum_schedule.domain.conflicts import find_conflicts
from forum_schedule.domain.errors import NothingToReleaseError
from forum_schedule.domain.forum import Forum, ForumDetails
from forum_schedule.domain.imports import ImportPlan, plan_import
from forum_schedule.domain.releases import Release, plan_release
from forum_schedule.repository import (
    ForumRepository,
    HallRepository,
    ReleaseRepository,
    SessionRepository,
    SpeakerRepository,
)
from forum_schedule.schemas.imports import ProgrammeFile
from forum_schedule.use_cases.common import UowFactory, envelope

Emit = Callable[[UnitOfWork, EventData], None]


@dataclass(frozen=True)
class ImportResult:
    forum: Forum
    counts: dict[str, int]
    release: Release | None


async def import_programme(
    file: ProgrammeFile, *, uow_factory: UowFactory, correlation_id: uuid.UUID | None = None
) -> ImportResult:
    code = file.code

    def emit(uow: UnitOfWork, data: EventData) -> None:
        uow.record(envelope(data, forum=code, correlation_id=correlation_id))

    async with uow_factory() as uow:
        forum = await _save_forum(uow, code, file.forum.to_domain(), emit)
        halls, speakers = HallRepository(uow.session), SpeakerRepository(uow.session)
        sessions = SessionRepository(uow.session)
        plan = plan_import(
            halls=await halls.list_for(code),
            speakers=await speakers.list_for(code),
            sessions=await sessions.list_for(code),
            wanted_halls=file.halls_domain(),
            wanted_speakers=file.speakers_domain(),
            wanted_sessions=file.sessions_domain(),
        )
        await _write(uow, plan, emit)
        release = await _release(uow, forum, file)
        if release is not None:
            for event in [*release.session_events(), release.published_event()]:
                emit(uow, event)
        await uow.commit()
    return ImportResult(forum, plan.counts(), release)


async def _save_forum(uow: UnitOfWork, code: str, details: ForumDetails, emit: Emit) -> Forum:
    forums = ForumRepository(uow.session)
    existing = await forums.get(code, for_update=True)
    if existing is not None and existing.details == details:
        return existing
    forum = Forum.create(code, details) if existing is None else existing.revise(details)
    await (forums.add(forum) if existing is None else forums.update(forum))
    emit(uow, forum.updated_event())
    return forum


async def _write(uow: UnitOfWork, plan: ImportPlan, emit: Emit) -> None:
    halls, speakers = HallRepository(uow.session), SpeakerRepository(uow.session)
    sessions = SessionRepository(uow.session)
    for hall in plan.new_halls:
        await halls.add(hall)
    for hall in plan.changed_halls:
        await halls.update(hall)
    for speaker in plan.new_speakers:
        await speakers.add(speaker)
    for speaker in plan.changed_speakers:
        await speakers.update(speaker)
    for hall in [*plan.new_halls, *plan.changed_halls]:
        emit(uow, hall.updated_event())
    for speaker in [*plan.new_speakers, *plan.changed_speakers]:
        emit(uow, speaker.updated_event())
    for draft in plan.new_sessions:
        await sessions.add(draft)
    for draft, based_on in plan.changed_sessions:
        await sessions.replace(draft, based_on=based_on)


async def _release(uow: UnitOfWork, forum: Forum, file: ProgrammeFile) -> Release | None:
    halls = await HallRepository(uow.session).list_for(forum.code)
    speakers = await SpeakerRepository(uow.session).list_for(forum.code)
    drafts = await SessionRepository(uow.session).list_for(forum.code)
    releases = ReleaseRepository(uow.session)
    try:
        release = plan_release(
            forum_code=forum.code,
            previous=await releases.latest(forum.code),
            drafts=drafts,
            halls=halls,
            conflicts=find_conflicts(forum.details, halls, speakers, drafts),
            now=datetime.now(UTC),
            force=file.force,
            reason=file.reason,
        )
    except NothingToReleaseError:
        return None  # the file equals what is already published
    await releases.add(release)
    return release
