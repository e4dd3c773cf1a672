"""Draft sessions in SQL; an update only lands on the version it was based on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from forum_shared.contracts.common import LocalizedText, SessionType
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_schedule.domain.sessions import Session, SessionPlan
from forum_schedule.models import SessionRow


def _session(row: SessionRow) -> Session:
    plan = SessionPlan(
        title=LocalizedText.model_validate(row.title),
        description=LocalizedText.model_validate(row.description) if row.description else None,
        type=SessionType(row.type),
        track=row.track,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        hall_id=row.hall_id,
        capacity=row.capacity,
        speaker_ids=tuple(uuid.UUID(value) for value in row.speaker_ids),
        moderator_ids=tuple(uuid.UUID(value) for value in row.moderator_ids),
    )
    return Session(
        forum_code=row.forum_code,
        plan=plan,
        id=row.id,
        cancelled=row.cancelled,
        version=row.version,
    )


def _columns(session: Session) -> dict[str, Any]:
    plan = session.plan
    return {
        "title": plan.title.model_dump(),
        "description": plan.description.model_dump() if plan.description else None,
        "type": plan.type.value,
        "track": plan.track,
        "starts_at": plan.starts_at,
        "ends_at": plan.ends_at,
        "hall_id": plan.hall_id,
        "capacity": plan.capacity,
        "speaker_ids": [str(value) for value in plan.speaker_ids],
        "moderator_ids": [str(value) for value in plan.moderator_ids],
        "cancelled": session.cancelled,
        "version": session.version,
        "updated_at": datetime.now(UTC),
    }


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, draft: Session) -> None:
        self.session.add(SessionRow(id=draft.id, forum_code=draft.forum_code, **_columns(draft)))
        await self.session.flush()

    async def get(self, forum_code: str, session_id: uuid.UUID) -> Session | None:
        query = select(SessionRow).where(
            SessionRow.id == session_id, SessionRow.forum_code == forum_code
        )
        row = (await self.session.execute(query)).scalar_one_or_none()
        return _session(row) if row is not None else None

    async def list_for(self, forum_code: str) -> list[Session]:
        query = (
            select(SessionRow)
            .where(SessionRow.forum_code == forum_code)
            .order_by(SessionRow.starts_at, SessionRow.id)
        )
        return [_session(row) for row in await self.session.scalars(query)]

    async def replace(self, draft: Session, *, based_on: int) -> bool:
        """Store a new version only if the row is still at `based_on` (compare-and-set)."""
        result = await self.session.execute(
            update(SessionRow)
            .where(SessionRow.id == draft.id, SessionRow.version == based_on)
            .values(**_columns(draft))
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)
