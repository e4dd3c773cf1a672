"""Consumers of `schedule.*`: thin translators from an event to one use case.

They never commit; the consumer wrapper records the inbox row and commits.
"""

from __future__ import annotations

from forum_shared.contracts.envelope import EventData, EventEnvelope
from forum_shared.contracts.schedule import ForumUpdated, SessionChanged
from forum_shared.db import UnitOfWork
from forum_shared.messaging.consumer import Handler, PermanentError

from forum_registration.replicas import apply_forum_update, apply_session_change


async def on_forum_updated(envelope: EventEnvelope, data: EventData, uow: UnitOfWork) -> None:
    if not isinstance(data, ForumUpdated):
        raise PermanentError(f"expected ForumUpdated, got {type(data).__name__}")
    await apply_forum_update(uow, envelope, data)


async def on_session_changed(envelope: EventEnvelope, data: EventData, uow: UnitOfWork) -> None:
    if not isinstance(data, SessionChanged):
        raise PermanentError(f"expected SessionChanged, got {type(data).__name__}")
    await apply_session_change(uow, envelope, data)


HANDLERS: dict[str, Handler] = {
    ForumUpdated.event_type: on_forum_updated,
    SessionChanged.event_type: on_session_changed,
}
