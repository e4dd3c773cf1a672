"""Forum editions: create or revise, read."""

from __future__ import annotations

import uuid

from forum_shared.db import UnitOfWork
from sqlalchemy.exc import IntegrityError

from forum_schedule.domain.forum import Forum, ForumDetails
from forum_schedule.domain.versions import Expected, check_version
from forum_schedule.repository import ForumRepository
from forum_schedule.use_cases.common import UowFactory, envelope, forum_not_found


async def save_forum(
    code: str,
    details: ForumDetails,
    *,
    uow_factory: UowFactory,
    correlation_id: uuid.UUID | None = None,
    expected: Expected | None = None,
) -> tuple[Forum, bool]:
    """Create or revise a forum; answers the forum and whether it was created.

    A PUT that changes nothing keeps the version and publishes nothing. Two concurrent first
    PUTs race on the primary key: the loser retries as an update.
    """
    for attempt in range(2):
        try:
            return await _save_forum_once(code, details, uow_factory(), correlation_id, expected)
        except IntegrityError:
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


async def _save_forum_once(
    code: str,
    details: ForumDetails,
    uow: UnitOfWork,
    correlation_id: uuid.UUID | None,
    expected: Expected | None,
) -> tuple[Forum, bool]:
    async with uow:
        forums = ForumRepository(uow.session)
        existing = await forums.get(code, for_update=True)
        # A forum that does not exist yet is version 0 to an If-Match.
        current = existing.version if existing is not None else 0
        check_version(current, expected, what=("Форум", "The forum"))
        if existing is not None and existing.details == details:
            return existing, False
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
