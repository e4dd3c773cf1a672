"""The forum and session replicas, fed by `schedule.*` events (called from the handlers).

An event not newer than what we hold changes nothing, so late or repeated events are safe.
A forum that grows, or a session that grows, passes its new places to the waitlist; a
cancelled session releases its seats and its sign-ups.
"""

from __future__ import annotations

from datetime import UTC, datetime

from forum_shared.contracts.envelope import EventEnvelope
from forum_shared.contracts.schedule import ForumUpdated, SessionChanged
from forum_shared.db import UnitOfWork

from forum_registration import events
from forum_registration.details import remember_forum, remember_session
from forum_registration.models import ForumRow, SessionRow
from forum_registration.repository import Agendas, Forums, Registrations, Sessions
from forum_registration.seats import fill_forum, fill_session


async def apply_forum_update(uow: UnitOfWork, envelope: EventEnvelope, data: ForumUpdated) -> bool:
    forums = Forums(uow.session)
    row = await forums.lock(data.code)
    if row is not None and row.version >= data.version:
        return False
    if row is None:
        row = ForumRow(code=data.code, confirmed_count=0)
        forums.add(row)
    row.title = data.title.model_dump()
    row.timezone = data.timezone
    row.starts_on = data.starts_on
    row.ends_on = data.ends_on
    row.capacity = data.capacity
    row.registration_opens_at = data.registration_opens_at
    row.registration_closes_at = data.registration_closes_at
    row.version = data.version
    await remember_forum(uow.session, data)
    await uow.session.flush()
    await fill_forum(uow, row, now=datetime.now(UTC), correlation_id=envelope.correlation_id)
    return True


async def apply_session_change(
    uow: UnitOfWork, envelope: EventEnvelope, data: SessionChanged
) -> bool:
    sessions = Sessions(uow.session)
    snapshot = data.session
    await Forums(uow.session).lock(envelope.forum)  # seats are decided under the forum lock
    locked = await sessions.lock_many([snapshot.session_id])
    row = locked.get(snapshot.session_id)
    if row is not None and row.version >= snapshot.version:
        return False
    if row is None:
        row = SessionRow(session_id=snapshot.session_id, forum_code=envelope.forum, seats_taken=0)
        sessions.add(row)
    row.capacity = snapshot.capacity
    row.status = snapshot.status.value
    row.version = snapshot.version
    await remember_session(uow.session, envelope.forum, snapshot)
    await uow.session.flush()
    now = datetime.now(UTC)
    if row.status == "cancelled":
        await _release_cancelled(uow, row, envelope, now)
    elif row.status == "published":
        await fill_session(uow, row, now=now, correlation_id=envelope.correlation_id)
    return True


async def _release_cancelled(
    uow: UnitOfWork, row: SessionRow, envelope: EventEnvelope, now: datetime
) -> None:
    """Everyone signed up to a cancelled session loses it from their agenda, and hears so."""
    agendas = Agendas(uow.session)
    registrations = Registrations(uow.session)
    row.seats_taken = 0  # every entry goes
    for entry in await agendas.of_session(row.session_id):
        attendee = await registrations.lock(entry.registration_id)
        await agendas.delete(entry)
        if attendee is None:
            continue
        await uow.session.flush()
        attendee.version += 1
        attendee.updated_at = now
        uow.record(
            envelope.caused(
                events.agenda_changed(
                    attendee, await agendas.of(attendee.id), cancelled=[row.session_id]
                ),
                producer=events.PRODUCER,
            )
        )
