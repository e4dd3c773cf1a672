"""The programme replica (sessions, halls, speakers) and releases waiting to be mailed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.digest import ACTIVE_STATUSES
from forum_notifications.models import (
    AgendaEntryRow,
    AttendeeRow,
    Base,
    HallRow,
    ReleaseRow,
    SessionChangeRow,
    SessionRow,
    SpeakerRow,
)


async def put_if_newer(
    session: AsyncSession, model: type[Base], key: Any, values: dict[str, Any]
) -> bool:
    """Insert or update a versioned replica row; an older or equal version is ignored."""
    row = await session.get(model, key)
    if row is None:
        session.add(model(**values))
        return True
    if values["version"] <= row.version:  # type: ignore[attr-defined]
        return False
    for name, value in values.items():
        setattr(row, name, value)
    return True


async def get_session(session: AsyncSession, session_id: uuid.UUID) -> dict[str, Any] | None:
    row = await session.get(SessionRow, session_id)
    return dict(row.snapshot) if row else None


_SNAPSHOTS_BY_ID = select(SessionRow.session_id, SessionRow.snapshot).where(
    SessionRow.session_id.in_(bindparam("ids", expanding=True))
)


async def sessions_by_id(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Snapshots of sessions (every confirmation with an agenda reads them): one Core
    statement on the session's connection, no ORM objects."""
    connection = await session.connection()
    rows = await connection.execute(_SNAPSHOTS_BY_ID, {"ids": list(ids)})
    return {session_id: dict(snapshot) for session_id, snapshot in rows}


async def speakers_by_id(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, SpeakerRow]:
    rows = await session.scalars(select(SpeakerRow).where(SpeakerRow.speaker_id.in_(list(ids))))
    return {row.speaker_id: row for row in rows}


async def hall_names(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[str, dict[str, str]]:
    rows = await session.scalars(select(HallRow).where(HallRow.hall_id.in_(list(ids))))
    return {str(row.hall_id): row.name for row in rows}


async def add_release(session: AsyncSession, row: ReleaseRow) -> None:
    if await session.get(ReleaseRow, (row.forum_code, row.release_version)) is None:
        session.add(row)


async def add_session_change(session: AsyncSession, row: SessionChangeRow) -> None:
    key = (row.forum_code, row.release_version, row.session_id)
    if await session.get(SessionChangeRow, key) is None:
        session.add(row)


async def get_release(session: AsyncSession, forum_code: str, version: int) -> ReleaseRow | None:
    return await session.get(ReleaseRow, (forum_code, version))


async def lock_unplanned_releases(session: AsyncSession, limit: int = 10) -> Sequence[ReleaseRow]:
    """Releases not yet fanned out, locked so that one planner handles each (SKIP LOCKED)."""
    return (
        await session.scalars(
            select(ReleaseRow)
            .where(ReleaseRow.planned_at.is_(None))
            .order_by(ReleaseRow.received_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()


async def release_changes(
    session: AsyncSession, forum_code: str, version: int
) -> Sequence[SessionChangeRow]:
    return (
        await session.scalars(
            select(SessionChangeRow).where(
                SessionChangeRow.forum_code == forum_code,
                SessionChangeRow.release_version == version,
            )
        )
    ).all()


class Holder(NamedTuple):
    """What a digest needs of an attendee: a row of five columns, not a mapped object (a
    release may reach tens of thousands of them at once)."""

    registration_id: uuid.UUID
    full_name: str
    email: str
    locale: str
    link_generation: int


HOLDER_COLUMNS = (
    AttendeeRow.registration_id,
    AttendeeRow.full_name,
    AttendeeRow.email,
    AttendeeRow.locale,
    AttendeeRow.link_generation,
)


async def agenda_holders(
    session: AsyncSession, forum_code: str, session_ids: Iterable[uuid.UUID]
) -> list[tuple[Holder, uuid.UUID]]:
    """Active attendees of the forum with any of these sessions in their agenda."""
    rows = await session.execute(
        select(*HOLDER_COLUMNS, AgendaEntryRow.session_id)
        .join(AgendaEntryRow, AgendaEntryRow.registration_id == AttendeeRow.registration_id)
        .where(
            AgendaEntryRow.session_id.in_(list(session_ids)),
            AttendeeRow.forum_code == forum_code,
            AttendeeRow.status.in_(ACTIVE_STATUSES),
        )
        .order_by(AttendeeRow.registration_id)
    )
    return [(Holder(*row[:5]), row[5]) for row in rows]


def mark_planned(release: ReleaseRow, *, now: datetime, recipients: int) -> None:
    release.planned_at = now
    release.recipients = recipients
