"""Halls and speakers: add them to a forum, list them."""

from __future__ import annotations

import uuid

from forum_schedule.domain.catalogue import Hall, Speaker
from forum_schedule.repository import HallRepository, SpeakerRepository
from forum_schedule.use_cases.common import UowFactory, envelope, require_forum


async def add_hall(
    hall: Hall, *, uow_factory: UowFactory, correlation_id: uuid.UUID | None = None
) -> Hall:
    async with uow_factory() as uow:
        await require_forum(uow, hall.forum_code)
        await HallRepository(uow.session).add(hall)
        uow.record(
            envelope(hall.updated_event(), forum=hall.forum_code, correlation_id=correlation_id)
        )
        await uow.commit()
    return hall


async def add_speaker(
    speaker: Speaker, *, uow_factory: UowFactory, correlation_id: uuid.UUID | None = None
) -> Speaker:
    async with uow_factory() as uow:
        await require_forum(uow, speaker.forum_code)
        await SpeakerRepository(uow.session).add(speaker)
        event = envelope(
            speaker.updated_event(), forum=speaker.forum_code, correlation_id=correlation_id
        )
        uow.record(event)
        await uow.commit()
    return speaker


async def list_halls(code: str, *, uow_factory: UowFactory) -> list[Hall]:
    async with uow_factory() as uow:
        await require_forum(uow, code)
        return list((await HallRepository(uow.session).list_for(code)).values())


async def list_speakers(code: str, *, uow_factory: UowFactory) -> list[Speaker]:
    async with uow_factory() as uow:
        await require_forum(uow, code)
        return list((await SpeakerRepository(uow.session).list_for(code)).values())
