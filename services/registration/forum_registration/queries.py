"""Read-only views for the API (no events, no commits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum_registration.domain import RegistrationError
from forum_registration.repository import Forums, Registrations, forum_terms
from forum_registration.schemas import ForumInfo


async def forum_info(session: AsyncSession, code: str, *, now: datetime) -> ForumInfo:
    forum = await Forums(session).get(code)
    if forum is None:
        raise RegistrationError("forum_not_found")
    terms = forum_terms(forum)
    try:
        terms.check_window(now)
        is_open = True
    except RegistrationError:
        is_open = False
    confirmed = await Registrations(session).count_with_status(code, "confirmed")
    return ForumInfo(
        code=forum.code,
        title={k: str(v) for k, v in forum.title.items()},
        timezone=forum.timezone,
        starts_on=forum.starts_on.isoformat(),
        ends_on=forum.ends_on.isoformat(),
        registration_open=is_open,
        capacity=forum.capacity,
        places_left=None if forum.capacity is None else max(forum.capacity - confirmed, 0),
    )
