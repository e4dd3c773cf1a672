"""Forum editions in SQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from forum_shared.contracts.common import LocalizedText
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_schedule.domain.forum import Forum, ForumDetails
from forum_schedule.models import ForumRow


def _text(value: dict[str, str] | None) -> LocalizedText | None:
    return LocalizedText.model_validate(value) if value is not None else None


def _json(value: LocalizedText | None) -> dict[str, str] | None:
    return value.model_dump() if value is not None else None


def _forum_from_row(row: ForumRow) -> Forum:
    title, venue = _text(row.title), _text(row.venue)
    assert title is not None
    assert venue is not None
    details = ForumDetails(
        title=title,
        venue=venue,
        address=_text(row.address),
        timezone=row.timezone,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        capacity=row.capacity,
        registration_opens_at=row.registration_opens_at,
        registration_closes_at=row.registration_closes_at,
        organizer=_text(row.organizer),
        contact_email=row.contact_email,
        contact_phone=row.contact_phone,
    )
    return Forum(code=row.code, details=details, version=row.version)


def _forum_columns(forum: Forum) -> dict[str, Any]:
    d = forum.details
    return {
        "title": _json(d.title),
        "venue": _json(d.venue),
        "address": _json(d.address),
        "timezone": d.timezone,
        "starts_on": d.starts_on,
        "ends_on": d.ends_on,
        "capacity": d.capacity,
        "registration_opens_at": d.registration_opens_at,
        "registration_closes_at": d.registration_closes_at,
        "organizer": _json(d.organizer),
        "contact_email": d.contact_email,
        "contact_phone": d.contact_phone,
        "version": forum.version,
        "updated_at": datetime.now(UTC),
    }


class ForumRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str, *, for_update: bool = False) -> Forum | None:
        query = select(ForumRow).where(ForumRow.code == code)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        return _forum_from_row(row) if row is not None else None

    async def add(self, forum: Forum) -> None:
        self.session.add(ForumRow(code=forum.code, **_forum_columns(forum)))
        await self.session.flush()

    async def update(self, forum: Forum) -> None:
        row = await self.session.get(ForumRow, forum.code)
        assert row is not None
        for key, value in _forum_columns(forum).items():
            setattr(row, key, value)
        await self.session.flush()
