"""Preferences by email address."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.models import PreferenceRow


async def opted_out(session: AsyncSession, kind: str, keys: Iterable[str]) -> set[str]:
    """Which of these addresses switched `kind` ("digests" or "reminders") off."""
    column = PreferenceRow.digests if kind == "digests" else PreferenceRow.reminders
    wanted = list(set(keys))
    if not wanted:
        return set()
    found = await session.scalars(
        select(PreferenceRow.email_key).where(
            PreferenceRow.email_key.in_(wanted), column.is_(False)
        )
    )
    return set(found.all())


async def switch_off(session: AsyncSession, key: str, kind: str) -> None:
    row = await session.get(PreferenceRow, key, with_for_update=True)
    if row is None:
        row = PreferenceRow(email_key=key, digests=True, reminders=True)
        session.add(row)
    setattr(row, kind, False)
    row.updated_at = datetime.now(UTC)
