"""Draft sessions: create, edit and cancel, each guarded by the version the client saw."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from forum_shared.db import UnitOfWork

from forum_schedule.domain.errors import NotFoundError, StaleVersionError
from forum_schedule.domain.sessions import Session, SessionPlan, check_references
from forum_schedule.domain.versions import Expected
from forum_schedule.repository import HallRepository, SessionRepository, SpeakerRepository
from forum_schedule.use_cases.common import UowFactory, require_forum


def session_not_found(session_id: uuid.UUID) -> NotFoundError:
    return NotFoundError(
        f"Сессия {session_id} не найдена", f"Session {session_id} not found", id=str(session_id)
    )


async def _check_references(uow: UnitOfWork, code: str, plan: SessionPlan) -> None:
    halls = await HallRepository(uow.session).list_for(code)
    speakers = await SpeakerRepository(uow.session).list_for(code)
    check_references(plan, halls.keys(), speakers.keys())


async def create_session(code: str, plan: SessionPlan, *, uow_factory: UowFactory) -> Session:
    async with uow_factory() as uow:
        await require_forum(uow, code)
        await _check_references(uow, code, plan)
        draft = Session(forum_code=code, plan=plan)
        await SessionRepository(uow.session).add(draft)
        await uow.commit()
    return draft


async def get_session(code: str, session_id: uuid.UUID, *, uow_factory: UowFactory) -> Session:
    async with uow_factory() as uow:
        draft = await SessionRepository(uow.session).get(code, session_id)
    if draft is None:
        raise session_not_found(session_id)
    return draft


async def list_sessions(code: str, *, uow_factory: UowFactory) -> list[Session]:
    async with uow_factory() as uow:
        await require_forum(uow, code)
        return await SessionRepository(uow.session).list_for(code)


async def edit_session(
    code: str,
    session_id: uuid.UUID,
    changes: dict[str, Any],
    expected: Expected,
    *,
    uow_factory: UowFactory,
) -> Session:
    async with uow_factory() as uow:
        sessions = SessionRepository(uow.session)
        draft = await sessions.get(code, session_id)
        if draft is None:
            raise session_not_found(session_id)
        draft.check_version(expected)
        edited = draft.edit(changes)
        await _check_references(uow, code, edited.plan)
        await _store(sessions, edited, draft, expected)
        await uow.commit()
    return edited


async def cancel_session(
    code: str, session_id: uuid.UUID, expected: Expected, *, uow_factory: UowFactory
) -> Session:
    return await _transition(code, session_id, expected, Session.cancel, uow_factory)


async def restore_session(
    code: str, session_id: uuid.UUID, expected: Expected, *, uow_factory: UowFactory
) -> Session:
    return await _transition(code, session_id, expected, Session.restore, uow_factory)


async def _transition(
    code: str,
    session_id: uuid.UUID,
    expected: Expected,
    action: Callable[[Session], Session],
    uow_factory: UowFactory,
) -> Session:
    async with uow_factory() as uow:
        sessions = SessionRepository(uow.session)
        draft = await sessions.get(code, session_id)
        if draft is None:
            raise session_not_found(session_id)
        draft.check_version(expected)
        changed = action(draft)
        await _store(sessions, changed, draft, expected)
        await uow.commit()
    return changed


async def _store(
    sessions: SessionRepository, new: Session, old: Session, expected: Expected
) -> None:
    # The read above is not locked: the conditional update is what refuses a lost update.
    if not await sessions.replace(new, based_on=old.version):
        current = await sessions.get(new.forum_code, new.id)
        (current or old).check_version(expected)
        raise StaleVersionError("Сессию уже изменили", "The session was changed meanwhile")
