"""Halls and speakers: add them to a forum, list them."""

from __future__ import annotations

import uuid
from dataclasses import replace

from forum_schedule.domain.catalogue import Hall, Speaker
from forum_schedule.domain.errors import NotFoundError
from forum_schedule.domain.versions import Expected, check_version
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


async def revise_hall(
    code: str,
    hall_id: uuid.UUID,
    wanted: Hall,
    *,
    uow_factory: UowFactory,
    correlation_id: uuid.UUID | None = None,
    expected: Expected | None = None,
) -> Hall:
    """Rename or resize a hall; sessions show the change from the next release on."""
    async with uow_factory() as uow:
        halls = HallRepository(uow.session)
        hall = await halls.get(code, hall_id)
        if hall is None:
            raise NotFoundError(f"Зал {hall_id} не найден", f"Hall {hall_id} not found")
        check_version(hall.version, expected, what=("Зал", "The hall"))
        hall = hall.revise(wanted.name, wanted.capacity)
        await halls.update(hall)
        uow.record(envelope(hall.updated_event(), forum=code, correlation_id=correlation_id))
        await uow.commit()
    return hall


async def revise_speaker(
    code: str,
    speaker_id: uuid.UUID,
    wanted: Speaker,
    *,
    uow_factory: UowFactory,
    correlation_id: uuid.UUID | None = None,
    expected: Expected | None = None,
) -> Speaker:
    async with uow_factory() as uow:
        speakers = SpeakerRepository(uow.session)
        speaker = await speakers.get(code, speaker_id)
        if speaker is None:
            raise NotFoundError(f"Спикер {speaker_id} не найден", f"Speaker {speaker_id} not found")
        check_version(speaker.version, expected, what=("Спикера", "The speaker"))
        speaker = replace(wanted, id=speaker.id, version=speaker.version + 1)
        await speakers.update(speaker)
        uow.record(envelope(speaker.updated_event(), forum=code, correlation_id=correlation_id))
        await uow.commit()
    return speaker
