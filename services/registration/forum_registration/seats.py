"""Freed places go to the waitlist: the forum's first, and each session's first.

Every transaction that decides about forum places or session seats takes the forum row lock
first (registering for a place, cancelling, approving, rejecting, changing an agenda, applying
a forum or session event); `forums.confirmed_count` is changed only under it. A registration
takes it as late as it can (`Forums.take_place`), and one pending approval, which decides
neither a place nor a seat, not at all (its sessions only queue it). So these decisions happen
one at a time per forum: two releases never promote the same person or more people than there
are places, and since the forum lock always comes first, the registration and session rows
locked after it can never deadlock.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from forum_shared.db import UnitOfWork

from forum_registration import events
from forum_registration.models import ForumRow, RegistrationRow, SessionRow
from forum_registration.repository import Agendas, Registrations, Sessions, forum_terms


async def fill_forum(
    uow: UnitOfWork, forum: ForumRow, *, now: datetime, correlation_id: uuid.UUID | None
) -> list[RegistrationRow]:
    """Promote waitlisted attendees, first come first served, while the forum has room."""
    registrations = Registrations(uow.session)
    terms = forum_terms(forum)
    promoted: list[RegistrationRow] = []
    while terms.has_room(forum.confirmed_count):
        first = await registrations.first_waitlisted(forum.code)
        if first is None:
            break
        first.status = "confirmed"
        forum.confirmed_count += 1
        first.version += 1
        first.updated_at = now
        uow.record(
            events.envelope(events.promoted(first), forum=forum.code, correlation_id=correlation_id)
        )
        await claim_seats(uow, first, now=now, correlation_id=correlation_id)
        promoted.append(first)
    return promoted


async def claim_seats(
    uow: UnitOfWork,
    registration: RegistrationRow,
    *,
    now: datetime,
    correlation_id: uuid.UUID | None,
) -> None:
    """A newly confirmed attendee's queued sessions hand out any free seats, in queue order."""
    waiting = [e.session_id for e in await Agendas(uow.session).of(registration.id)]
    await uow.session.flush()
    for session_row in (await Sessions(uow.session).lock_many(waiting)).values():
        await fill_session(uow, session_row, now=now, correlation_id=correlation_id)


async def fill_session(
    uow: UnitOfWork, session_row: SessionRow, *, now: datetime, correlation_id: uuid.UUID | None
) -> None:
    """Give freed seats of a session to its waitlist; each promoted attendee hears of it."""
    agendas = Agendas(uow.session)
    registrations = Registrations(uow.session)
    sid = session_row.session_id
    while session_row.capacity is None or session_row.seats_taken < session_row.capacity:
        entry = await agendas.first_waitlisted(sid)
        if entry is None:
            return
        entry.status = "confirmed"
        session_row.seats_taken += 1
        attendee = await registrations.lock(entry.registration_id)
        assert attendee is not None
        attendee.version += 1
        attendee.updated_at = now
        uow.record(
            events.envelope(
                events.agenda_changed(attendee, await agendas.of(attendee.id), [sid]),
                forum=attendee.forum_code,
                correlation_id=correlation_id,
            )
        )


async def release_agenda(
    uow: UnitOfWork,
    registration: RegistrationRow,
    session_ids: list[uuid.UUID] | None = None,
    *,
    now: datetime,
    correlation_id: uuid.UUID | None,
) -> None:
    """Drop sessions from an agenda (all of them by default) and pass the seats on."""
    agendas = Agendas(uow.session)
    entries = [
        entry
        for entry in await agendas.of(registration.id)
        if session_ids is None or entry.session_id in session_ids
    ]
    locked = await Sessions(uow.session).lock_many([entry.session_id for entry in entries])
    for entry in entries:
        await agendas.delete(entry)
        if entry.status == "confirmed" and entry.session_id in locked:
            locked[entry.session_id].seats_taken -= 1
    await uow.session.flush()
    for entry in entries:
        if entry.status == "confirmed" and entry.session_id in locked:
            await fill_session(
                uow, locked[entry.session_id], now=now, correlation_id=correlation_id
            )
