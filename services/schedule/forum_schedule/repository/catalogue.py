"""Halls and speakers in SQL."""

from __future__ import annotations

import uuid

from forum_shared.contracts.common import LocalizedText
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_schedule.domain.catalogue import Hall, Speaker
from forum_schedule.models import HallRow, SpeakerRow


def _hall(row: HallRow) -> Hall:
    return Hall(
        forum_code=row.forum_code,
        name=LocalizedText.model_validate(row.name),
        capacity=row.capacity,
        id=row.id,
        version=row.version,
    )


def _speaker(row: SpeakerRow) -> Speaker:
    return Speaker(
        forum_code=row.forum_code,
        full_name=row.full_name,
        organization=row.organization,
        position=row.position,
        email=row.email,
        locale=row.locale,
        id=row.id,
        version=row.version,
    )


class HallRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, hall: Hall) -> None:
        self.session.add(
            HallRow(
                id=hall.id,
                forum_code=hall.forum_code,
                name=hall.name.model_dump(),
                capacity=hall.capacity,
                version=hall.version,
            )
        )
        await self.session.flush()

    async def get(self, forum_code: str, hall_id: uuid.UUID) -> Hall | None:
        row = await self.session.get(HallRow, hall_id)
        return _hall(row) if row is not None and row.forum_code == forum_code else None

    async def update(self, hall: Hall) -> None:
        row = await self.session.get(HallRow, hall.id)
        assert row is not None
        row.name, row.capacity, row.version = hall.name.model_dump(), hall.capacity, hall.version
        await self.session.flush()

    async def list_for(self, forum_code: str) -> dict[uuid.UUID, Hall]:
        rows = await self.session.scalars(select(HallRow).where(HallRow.forum_code == forum_code))
        return {row.id: _hall(row) for row in rows}


class SpeakerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, speaker: Speaker) -> None:
        self.session.add(
            SpeakerRow(
                id=speaker.id,
                forum_code=speaker.forum_code,
                full_name=speaker.full_name,
                organization=speaker.organization,
                position=speaker.position,
                email=speaker.email,
                locale=speaker.locale,
                version=speaker.version,
            )
        )
        await self.session.flush()

    async def get(self, forum_code: str, speaker_id: uuid.UUID) -> Speaker | None:
        row = await self.session.get(SpeakerRow, speaker_id)
        return _speaker(row) if row is not None and row.forum_code == forum_code else None

    async def update(self, speaker: Speaker) -> None:
        row = await self.session.get(SpeakerRow, speaker.id)
        assert row is not None
        row.full_name, row.organization = speaker.full_name, speaker.organization
        row.position, row.email, row.locale = speaker.position, speaker.email, speaker.locale
        row.version = speaker.version
        await self.session.flush()

    async def list_for(self, forum_code: str) -> dict[uuid.UUID, Speaker]:
        query = select(SpeakerRow).where(SpeakerRow.forum_code == forum_code)
        return {row.id: _speaker(row) for row in await self.session.scalars(query)}
