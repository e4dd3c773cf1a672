"""Releases in SQL: snapshots and changelog stored as JSON, one row per published version."""

from __future__ import annotations

import uuid
from typing import Any

from forum_shared.contracts.schedule import ChangeKind, SessionSnapshot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_schedule.domain.releases import Release, SessionChange
from forum_schedule.models import ReleaseRow


def _change_json(change: SessionChange) -> dict[str, Any]:
    return {
        "session_id": str(change.session_id),
        "kinds": [kind.value for kind in change.kinds],
        "old": change.old,
        "new": change.new,
        "session": change.session.model_dump(mode="json"),
        "previous": change.previous.model_dump(mode="json") if change.previous else None,
    }


def _change(data: dict[str, Any]) -> SessionChange:
    previous = data.get("previous")
    return SessionChange(
        session_id=uuid.UUID(data["session_id"]),
        kinds=tuple(ChangeKind(kind) for kind in data["kinds"]),
        old=data["old"],
        new=data["new"],
        session=SessionSnapshot.model_validate(data["session"]),
        previous=SessionSnapshot.model_validate(previous) if previous else None,
    )


def _release(row: ReleaseRow) -> Release:
    return Release(
        forum_code=row.forum_code,
        version=row.version,
        published_at=row.published_at,
        sessions=tuple(SessionSnapshot.model_validate(item) for item in row.sessions),
        changes=tuple(_change(item) for item in row.changes),
        forced_reason=row.forced_reason,
    )


class ReleaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, release: Release) -> None:
        self.session.add(
            ReleaseRow(
                forum_code=release.forum_code,
                version=release.version,
                published_at=release.published_at,
                forced_reason=release.forced_reason,
                sessions=[snap.model_dump(mode="json") for snap in release.sessions],
                changes=[_change_json(change) for change in release.changes],
            )
        )
        await self.session.flush()

    async def latest(self, forum_code: str) -> Release | None:
        query = (
            select(ReleaseRow)
            .where(ReleaseRow.forum_code == forum_code)
            .order_by(ReleaseRow.version.desc())
            .limit(1)
        )
        row = (await self.session.execute(query)).scalar_one_or_none()
        return _release(row) if row is not None else None

    async def get(self, forum_code: str, version: int) -> Release | None:
        row = await self.session.get(ReleaseRow, (forum_code, version))
        return _release(row) if row is not None else None

    async def list_for(self, forum_code: str) -> list[Release]:
        query = (
            select(ReleaseRow)
            .where(ReleaseRow.forum_code == forum_code)
            .order_by(ReleaseRow.version)
        )
        return [_release(row) for row in await self.session.scalars(query)]
