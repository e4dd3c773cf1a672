"""Use cases for schedule events: keep the programme replica and collect releases.

A release is not mailed here. `release.published` and its `session.changed` events may come
in any order (separate publishes, retries through delay queues), so the handlers only store
facts; the digest planner (`fanout.py`) mails a release once every session it lists is in.
No handler ever waits for another event, and no race between two handlers can lose a digest.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.schedule import (
    HallUpdated,
    ReleasePublished,
    SessionChanged,
    SpeakerUpdated,
)
from forum_shared.db import UnitOfWork

from forum_notifications.models import (
    HallRow,
    ReleaseRow,
    SessionChangeRow,
    SessionRow,
    SpeakerRow,
)
from forum_notifications.repository import programme

log = logging.getLogger(__name__)


async def update_hall(uow: UnitOfWork, envelope: EventEnvelope, data: HallUpdated) -> None:
    await programme.put_if_newer(
        uow.session,
        HallRow,
        data.hall_id,
        {
            "hall_id": data.hall_id,
            "forum_code": envelope.forum,
            "name": data.name.model_dump(),
            "version": data.version,
        },
    )


async def update_speaker(uow: UnitOfWork, envelope: EventEnvelope, data: SpeakerUpdated) -> None:
    await programme.put_if_newer(
        uow.session,
        SpeakerRow,
        data.speaker_id,
        {
            "speaker_id": data.speaker_id,
            "forum_code": envelope.forum,
            "full_name": data.full_name,
            "email": data.email,
            "locale": data.locale if data.locale in ("ru", "en") else "ru",
            "version": data.version,
        },
    )


async def record_session_change(
    uow: UnitOfWork, envelope: EventEnvelope, data: SessionChanged
) -> None:
    """Keep the session's latest state and the change as part of its release."""
    snapshot = data.session.model_dump(mode="json")
    await programme.put_if_newer(
        uow.session,
        SessionRow,
        data.session.session_id,
        {
            "session_id": data.session.session_id,
            "forum_code": envelope.forum,
            "snapshot": snapshot,
            "version": data.session.version,
        },
    )
    release = await programme.get_release(uow.session, envelope.forum, data.release_version)
    if release is not None and release.planned_at is not None:
        log.warning(
            "session %s of release %s arrived after the release was mailed",
            data.session.session_id,
            data.release_version,
        )
    await programme.add_session_change(
        uow.session,
        SessionChangeRow(
            forum_code=envelope.forum,
            release_version=data.release_version,
            session_id=data.session.session_id,
            kinds=[kind.value for kind in data.kinds],
            session=snapshot,
            previous=data.previous.model_dump(mode="json") if data.previous else None,
            event_id=envelope.event_id,
        ),
    )


async def record_release(uow: UnitOfWork, envelope: EventEnvelope, data: ReleasePublished) -> None:
    """Remember the release and which sessions it changed; the planner mails it when whole."""
    now = datetime.now(UTC)
    await programme.add_release(
        uow.session,
        ReleaseRow(
            forum_code=envelope.forum,
            release_version=data.release_version,
            event_id=envelope.event_id,
            correlation_id=envelope.correlation_id,
            session_ids=[str(change.session_id) for change in data.changes],
            received_at=now,
            planned_at=None if data.changes else now,
            recipients=None if data.changes else 0,
        ),
    )
