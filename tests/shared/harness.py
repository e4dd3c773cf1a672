"""A tiny service of our own for testing shared/: one `effects` table and a consumer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from forum_shared.contracts import EventData, EventEnvelope
from forum_shared.contracts.registration import AttendeeCancelled
from forum_shared.db import UnitOfWork
from forum_shared.messaging.consumer import PermanentError
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

metadata = MetaData()
effects = Table(
    "effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
)


def cancelled_event(**kwargs: object) -> EventEnvelope:
    data = AttendeeCancelled(registration_id=uuid.uuid4(), version=1)
    return EventEnvelope.wrap(data, producer="test", forum="test-forum", **kwargs)  # type: ignore[arg-type]


@dataclass
class ScriptedHandler:
    """Records an effect per call; fails the first `transient_failures` calls, or always."""

    transient_failures: int = 0
    always_fail_ids: set[uuid.UUID] = field(default_factory=set)
    permanent_ids: set[uuid.UUID] = field(default_factory=set)
    calls: int = 0

    async def __call__(self, envelope: EventEnvelope, data: EventData, uow: UnitOfWork) -> None:
        self.calls += 1
        if envelope.event_id in self.permanent_ids:
            raise PermanentError("this event can never be handled")
        if envelope.event_id in self.always_fail_ids:
            raise RuntimeError("poison")
        if self.transient_failures > 0:
            self.transient_failures -= 1
            raise ConnectionError("database briefly unavailable")
        await uow.session.execute(insert(effects).values(event_id=str(envelope.event_id)))


async def count_effects(engine: AsyncEngine, event_id: uuid.UUID | None = None) -> int:
    query = select(func.count()).select_from(effects)
    if event_id is not None:
        query = query.where(effects.c.event_id == str(event_id))
    async with engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())
