"""One async function per command: open the unit of work, load, act, record events, commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from forum_shared.contracts.envelope import EventData, EventEnvelope
from forum_shared.db import UnitOfWork
from sqlalchemy.exc import IntegrityError

from forum_schedule.domain.errors import NotFoundError
from forum_schedule.domain.forum import Forum, ForumDetails
from forum_schedule.repository import ForumRepository

PRODUCER = "schedule"
UowFactory = Callable[[], UnitOfWork]


def envelope(data: EventData, *, forum: str, correlation_id: uuid.UUID | None) -> EventEnvelope:
    return EventEnvelope.wrap(data, producer=PRODUCER, forum=forum, correlation_id=correlation_id)


def forum_not_found(code: str) -> NotFoundError:
    return NotFoundError(f"Форум «{code}» не найден", f"Forum '{code}' not found", code=code)


async def save_forum(
    code: str,
    details: ForumDetails,
    *,
    uow_factory: UowFactory,
    correlation_id: uuid.UUID | None = None,
) -> tuple[Forum, bool]:
    """Create or revise a forum; answers the forum and whether it was created.

    Two concurrent first PUTs race on the primary key: the loser retries as an update.
    """
    for attempt in range(2):
        try:
            return await _save_forum_once(code, details, uow_factory(), correlation_id)
        except IntegrityError:
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


async def _save_forum_once(
    code: str, details: ForumDetails, uow: UnitOfWork, correlation_id: uuid.UUID | None
) -> tuple[Forum, bool]:
    async with uow:
        forums = ForumRepository(uow.session)
        existing = await forums.get(code, for_update=True)
        if existing is None:
            forum = Forum.create(code, details)
            await forums.add(forum)
        else:
            forum = existing.revise(details)
            await forums.update(forum)
        uow.record(envelope(forum.updated_event(), forum=code, correlation_id=correlation_id))
        await uow.commit()
    return forum, existing is None


async def get_forum(code: str, *, uow_factory: UowFactory) -> Forum:
    async with uow_factory() as uow:
        forum = await ForumRepository(uow.session).get(code)
    if forum is None:
        raise forum_not_found(code)
    return forum
