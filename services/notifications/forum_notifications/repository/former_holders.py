"""Former holders: attendees whose agenda lost a session because of a schedule event.

They count as affected by the release carrying that event even when the agenda replica has
already dropped the session (see `FormerHolderRow`); the planner forgets them once it plans.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.digest import ACTIVE_STATUSES
from forum_notifications.models import AttendeeRow, FormerHolderRow
from forum_notifications.repository.programme import HOLDER_COLUMNS, Holder


async def remember(
    session: AsyncSession,
    cause_event_id: uuid.UUID,
    registration_id: uuid.UUID,
    session_ids: Iterable[uuid.UUID],
    *,
    now: datetime,
) -> None:
    for session_id in session_ids:
        # merge: a repeated agenda change (same cause) leaves one row, on any database
        await session.merge(
            FormerHolderRow(
                cause_event_id=cause_event_id,
                registration_id=registration_id,
                session_id=session_id,
                removed_at=now,
            )
        )


async def of_causes(
    session: AsyncSession, forum_code: str, causes: Mapping[uuid.UUID, uuid.UUID]
) -> list[tuple[Holder, uuid.UUID]]:
    """Active attendees who lost session `causes[event]` to that very event."""
    if not causes:
        return []
    rows = await session.execute(
        select(*HOLDER_COLUMNS, FormerHolderRow.session_id, FormerHolderRow.cause_event_id)
        .join(FormerHolderRow, FormerHolderRow.registration_id == AttendeeRow.registration_id)
        .where(
            FormerHolderRow.cause_event_id.in_(list(causes)),
            AttendeeRow.forum_code == forum_code,
            AttendeeRow.status.in_(ACTIVE_STATUSES),
        )
        .order_by(AttendeeRow.registration_id)
    )
    return [
        (Holder(*row[:5]), row[5])
        for row in rows
        if causes[row[6]] == row[5]  # the cause event is about this very session
    ]


async def forget(
    session: AsyncSession, causes: Iterable[uuid.UUID], *, removed_before: datetime
) -> None:
    """Drop rows of planned causes, and any left from causes no release ever named."""
    await session.execute(
        delete(FormerHolderRow).where(
            or_(
                FormerHolderRow.cause_event_id.in_(list(causes)),
                FormerHolderRow.removed_at < removed_before,
            )
        )
    )


async def forget_attendee(session: AsyncSession, registration_id: uuid.UUID) -> None:
    await session.execute(
        delete(FormerHolderRow).where(FormerHolderRow.registration_id == registration_id)
    )
