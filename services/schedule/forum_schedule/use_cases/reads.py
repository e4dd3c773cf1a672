"""Public reads: the programme as the latest release shows it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from forum_schedule.domain.catalogue import Speaker
from forum_schedule.domain.errors import NotFoundError
from forum_schedule.domain.forum import Forum
from forum_schedule.domain.releases import Release
from forum_schedule.repository import ReleaseRepository, SpeakerRepository
from forum_schedule.use_cases.common import UowFactory, require_forum


@dataclass(frozen=True)
class PublishedProgramme:
    forum: Forum
    release: Release
    speakers: dict[uuid.UUID, Speaker]


async def published_programme(code: str, *, uow_factory: UowFactory) -> PublishedProgramme:
    async with uow_factory() as uow:
        forum = await require_forum(uow, code)
        release = await ReleaseRepository(uow.session).latest(code)
        speakers = await SpeakerRepository(uow.session).list_for(code)
    if release is None:
        raise NotFoundError(
            f"Программа форума «{code}» ещё не опубликована",
            f"The programme of '{code}' is not published yet",
        )
    return PublishedProgramme(forum, release, speakers)
