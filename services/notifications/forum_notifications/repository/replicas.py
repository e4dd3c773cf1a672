"""Replicas kept from events: forums, attendees and their agendas, sessions, halls, speakers."""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.domain import AttendeeView, ForumView
from forum_notifications.models import AgendaEntryRow, AttendeeRow, EmailRow, ForumRow


async def get_forum(session: AsyncSession, code: str) -> ForumView | None:
    row = await session.get(ForumRow, code)
    if row is None:
        return None
    return ForumView(
        code=row.code,
        title=row.title,
        venue=row.venue,
        address=row.address,
        timezone=row.timezone,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        version=row.version,
    )


async def forum_version(session: AsyncSession, code: str) -> int | None:
    found: int | None = await session.scalar(select(ForumRow.version).where(ForumRow.code == code))
    return found


async def put_forum(session: AsyncSession, forum: ForumView) -> None:
    await session.merge(ForumRow(**dataclasses.asdict(forum)))


async def get_attendee(session: AsyncSession, registration_id: uuid.UUID) -> AttendeeView | None:
    row = await session.get(AttendeeRow, registration_id)
    if row is None:
        return None
    return AttendeeView(
        registration_id=row.registration_id,
        forum_code=row.forum_code,
        full_name=row.full_name,
        email=row.email,
        locale=row.locale,
        category=row.category,
        status=row.status,
        agenda=list(row.agenda or []),
        link_generation=row.link_generation,
        version=row.version,
    )


async def put_attendee(session: AsyncSession, attendee: AttendeeView, *, new: bool = False) -> None:
    """Store the attendee and re-index their agenda (the fan-out looks sessions up there).

    `new`: the caller has just found no row, so it is inserted without `merge`'s lookup and
    there is no old agenda to delete (agenda entries never outlive their attendee row):
    two round trips fewer for each registration.
    """
    row = AttendeeRow(**dataclasses.asdict(attendee))
    if new:
        session.add(row)
    else:
        await session.merge(row)
        await session.execute(
            delete(AgendaEntryRow).where(AgendaEntryRow.registration_id == attendee.registration_id)
        )
    entries = {
        str(entry["session_id"]): str(entry.get("status", "confirmed")) for entry in attendee.agenda
    }
    if entries:
        await session.execute(
            insert(AgendaEntryRow),
            [
                {
                    "registration_id": attendee.registration_id,
                    "session_id": uuid.UUID(session_id),
                    "status": status,
                }
                for session_id, status in entries.items()
            ],
        )


async def forget_attendee(session: AsyncSession, registration_id: uuid.UUID) -> None:
    """Erasure: the replica keeps no personal data of the attendee."""
    await session.execute(
        delete(AgendaEntryRow).where(AgendaEntryRow.registration_id == registration_id)
    )
    await session.execute(delete(AttendeeRow).where(AttendeeRow.registration_id == registration_id))


async def all_forums(session: AsyncSession) -> list[ForumView]:
    codes = (await session.scalars(select(ForumRow.code))).all()
    forums = [await get_forum(session, code) for code in codes]
    return [forum for forum in forums if forum is not None]


async def attendees_without_email(
    session: AsyncSession, forum_code: str, source_event_id: uuid.UUID, template: str
) -> list[AttendeeRow]:
    """Confirmed attendees of a forum who have no email of this reason yet."""
    already = select(EmailRow.recipient_id).where(
        EmailRow.source_event_id == source_event_id, EmailRow.template == template
    )
    found = await session.scalars(
        select(AttendeeRow)
        .where(
            AttendeeRow.forum_code == forum_code,
            AttendeeRow.status == "confirmed",
            AttendeeRow.registration_id.not_in(already),
        )
        .order_by(AttendeeRow.registration_id)
    )
    return list(found.all())
