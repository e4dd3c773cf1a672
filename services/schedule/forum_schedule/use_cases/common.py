"""What the use cases share: the unit-of-work factory type, event wrapping, lookups."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from forum_shared.contracts.envelope import EventData, EventEnvelope
from forum_shared.db import UnitOfWork

from forum_schedule.domain.errors import NotFoundError
from forum_schedule.domain.forum import Forum
from forum_schedule.repository import ForumRepository

PRODUCER = "schedule"
UowFactory = Callable[[], UnitOfWork]


def envelope(data: EventData, *, forum: str, correlation_id: uuid.UUID | None) -> EventEnvelope:
    return EventEnvelope.wrap(data, producer=PRODUCER, forum=forum, correlation_id=correlation_id)


def forum_not_found(code: str) -> NotFoundError:
    return NotFoundError(f"Форум «{code}» не найден", f"Forum '{code}' not found", code=code)


async def require_forum(uow: UnitOfWork, code: str, *, for_update: bool = False) -> Forum:
    forum = await ForumRepository(uow.session).get(code, for_update=for_update)
    if forum is None:
        raise forum_not_found(code)
    return forum
