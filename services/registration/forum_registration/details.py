"""Display details of forums and sessions, kept beside the replicas for the attendee pages.

Seats and places are decided on `forums`/`sessions`; these rows only describe (titles, times,
halls, venue) and are overwritten with each newer `schedule.*` event the replicas accept.
"""

from __future__ import annotations

from datetime import UTC

from forum_shared.contracts.schedule import ForumUpdated, SessionSnapshot
from sqlalchemy.ext.asyncio import AsyncSession

from forum_registration.models import ForumDetailsRow, SessionDetailsRow


async def remember_session(session: AsyncSession, forum_code: str, snap: SessionSnapshot) -> None:
    row = await session.get(SessionDetailsRow, snap.session_id)
    if row is None:
        row = SessionDetailsRow(session_id=snap.session_id, forum_code=forum_code)
        session.add(row)
    row.title = snap.title.model_dump()
    row.type = snap.type.value
    row.track = snap.track
    row.hall_name = snap.hall_name.model_dump() if snap.hall_name else None
    row.starts_at = snap.starts_at.astimezone(UTC)  # stored as UTC (SQLite drops the offset)
    row.ends_at = snap.ends_at.astimezone(UTC)


async def remember_forum(session: AsyncSession, data: ForumUpdated) -> None:
    row = await session.get(ForumDetailsRow, data.code)
    if row is None:
        row = ForumDetailsRow(code=data.code)
        session.add(row)
    row.venue = data.venue.model_dump()
    row.address = data.address.model_dump() if data.address else None
    row.contact_email = data.contact_email
    row.contact_phone = data.contact_phone
