"""Replicas kept from events: forums, attendees and their agendas, sessions, halls, speakers."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sqlalchemy import Insert, Select, bindparam, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.domain import AttendeeView, ForumView
from forum_notifications.models import AgendaEntryRow, AttendeeRow, Base, EmailRow, ForumRow

# The confirmation path runs these for every registration: Core statements built once, run
# on the session's connection (no ORM identity map, flush or per-call cache key of values).
_FORUMS = Base.metadata.tables[ForumRow.__tablename__]
_ATTENDEES = Base.metadata.tables[AttendeeRow.__tablename__]
_AGENDA = Base.metadata.tables[AgendaEntryRow.__tablename__]
_FORUM_BY_CODE = select(_FORUMS).where(_FORUMS.c.code == bindparam("code"))
_ADD_AGENDA = insert(_AGENDA)


def _attendee_if_new(dialect: str) -> Insert:
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        make_insert(_ATTENDEES)
        .on_conflict_do_nothing(index_elements=["registration_id"])
        .returning(_ATTENDEES.c.registration_id)
    )


_ATTENDEE_IF_NEW = {dialect: _attendee_if_new(dialect) for dialect in ("postgresql", "sqlite")}


def _forum_with_new_attendee() -> Select[Any]:
    """PostgreSQL: insert the attendee if new and read the forum, in one statement (a
    data-modifying WITH runs once whatever the main query reads of it)."""
    values = {c.name: bindparam(f"attendee_{c.name}", type_=c.type) for c in _ATTENDEES.c}
    new = (
        pg_insert(_ATTENDEES)
        .values(values)
        .on_conflict_do_nothing(index_elements=["registration_id"])
        .returning(_ATTENDEES.c.registration_id)
        .cte("new_attendee")
    )
    inserted = select(func.count()).select_from(new).scalar_subquery().label("attendee_inserted")
    return select(_FORUMS, inserted).where(_FORUMS.c.code == bindparam("code"))


_FORUM_WITH_NEW_ATTENDEE = _forum_with_new_attendee()


async def get_forum(session: AsyncSession, code: str) -> ForumView | None:
    connection = await session.connection()
    row = (await connection.execute(_FORUM_BY_CODE, {"code": code})).first()
    return None if row is None else _forum_view(row)


async def forum_and_new_attendee(
    session: AsyncSession, code: str, attendee: AttendeeView
) -> tuple[ForumView | None, bool]:
    """The forum, and whether the attendee was new and is now inserted with their agenda
    index (False: a row was there already, nothing written).

    On PostgreSQL one round trip does both. The attendee may be inserted even when the forum
    is missing: the caller must then not commit (it retries the event later).
    """
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        forum = await get_forum(session, code)
        if forum is None:
            return None, False
        return forum, await add_attendee_if_new(session, attendee)
    params = {f"attendee_{k}": v for k, v in dataclasses.asdict(attendee).items()}
    row = (await connection.execute(_FORUM_WITH_NEW_ATTENDEE, params | {"code": code})).first()
    if row is None:
        return None, False
    if row.attendee_inserted:
        await _index_agenda(session, attendee)
    return _forum_view(row), bool(row.attendee_inserted)


def _forum_view(row: Any) -> ForumView:
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


async def add_attendee_if_new(session: AsyncSession, attendee: AttendeeView) -> bool:
    """Insert an attendee not held yet, with their agenda index; False (nothing written) if
    a row is there already.

    One statement answers "held?" and inserts: a registration is nearly always the first
    event about its attendee. A concurrent insert of the same attendee makes this one wait
    for it and then return False, where a lookup followed by an insert would fail.
    """
    connection = await session.connection()
    statement = _ATTENDEE_IF_NEW[connection.dialect.name]
    inserted = await connection.execute(statement, dataclasses.asdict(attendee))
    if inserted.first() is None:
        return False
    # No old agenda to delete: agenda entries never outlive their attendee row.
    await _index_agenda(session, attendee)
    return True


async def put_attendee(session: AsyncSession, attendee: AttendeeView) -> None:
    """Store the attendee and re-index their agenda (the fan-out looks sessions up there)."""
    await session.merge(AttendeeRow(**dataclasses.asdict(attendee)))
    await session.execute(
        delete(AgendaEntryRow).where(AgendaEntryRow.registration_id == attendee.registration_id)
    )
    await _index_agenda(session, attendee)


async def _index_agenda(session: AsyncSession, attendee: AttendeeView) -> None:
    entries = {
        str(entry["session_id"]): str(entry.get("status", "confirmed")) for entry in attendee.agenda
    }
    if entries:
        rows: list[dict[str, Any]] = [
            {
                "registration_id": attendee.registration_id,
                "session_id": uuid.UUID(session_id),
                "status": status,
            }
            for session_id, status in entries.items()
        ]
        await (await session.connection()).execute(_ADD_AGENDA, rows)


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
