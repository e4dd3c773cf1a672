"""Read-only views for the API (no events, no commits)."""

from __future__ import annotations

from datetime import datetime

from forum_shared.contracts.common import AttendeeCategory, Locale, RegistrationStatus
from sqlalchemy.ext.asyncio import AsyncSession

from forum_registration.badges import badge_code
from forum_registration.domain import RegistrationError
from forum_registration.models import RegistrationRow
from forum_registration.repository import Agendas, Forums, Registrations, forum_terms
from forum_registration.schemas import (
    AgendaItem,
    ConsentView,
    ForumInfo,
    RegistrationView,
)


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


async def registration_view(
    session: AsyncSession, row: RegistrationRow, *, secret_key: str
) -> RegistrationView:
    agenda = await Agendas(session).of(row.id)
    consents = await Registrations(session).consents(row.id)
    return RegistrationView(
        id=row.id,
        forum=row.forum_code,
        status=RegistrationStatus(row.status),
        full_name=row.full_name,
        email=row.email,
        phone=row.phone,
        organization=row.organization,
        position=row.position,
        region=row.region,
        category=AttendeeCategory(row.category),
        locale=Locale(row.locale),
        agenda=[AgendaItem(session_id=a.session_id, status=a.status) for a in agenda],
        consents=[
            ConsentView(purpose=c.purpose, text_version=c.text_version, given_at=c.given_at)
            for c in consents
        ],
        version=row.version,
        created_at=row.created_at,
        checked_in_at=row.checked_in_at,
        badge_code=badge_code(secret_key, row.id) if row.status == "confirmed" else None,
    )
