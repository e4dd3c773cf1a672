"""The personal agenda: a seat in a session, or a place on its waitlist."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum_registration.domain import FieldProblem, InvalidFormError, seat_status
from forum_registration.models import AgendaRow, RegistrationRow
from forum_registration.repository import Agendas, Sessions


async def sign_up(
    session: AsyncSession,
    registration: RegistrationRow,
    session_ids: Sequence[uuid.UUID],
    *,
    now: datetime,
) -> list[AgendaRow]:
    """Add sessions to an agenda: a seat while one is free, else the session's waitlist.

    Only a confirmed attendee takes a seat; someone pending approval or waiting for a place
    at the forum queues for the session and gets a seat, in turn, once confirmed.

    Only published sessions of the registration's forum can be chosen. Sessions are taken in
    id order (a seat by one conditional update when there is room, otherwise the row is
    locked to decide), so concurrent sign-ups for the last seat take turns and never deadlock.
    """
    if not session_ids:
        return []
    sessions = Sessions(session)
    statuses: dict[uuid.UUID, str] = {}
    unknown: list[uuid.UUID] = []
    for sid in sorted(set(session_ids)):
        if registration.status == "confirmed" and await sessions.take_seat(
            sid, registration.forum_code
        ):
            statuses[sid] = "confirmed"
            continue
        row = (await sessions.lock_many([sid])).get(sid)
        if row is None or row.forum_code != registration.forum_code or row.status != "published":
            unknown.append(sid)
            continue
        # Locked now: a seat freed since the update above is ours to take.
        room = seat_status(row.capacity, row.seats_taken) == "confirmed"
        if registration.status == "confirmed" and room:
            row.seats_taken += 1
        statuses[sid] = "confirmed" if registration.status == "confirmed" and room else "waitlisted"
    if unknown:
        raise InvalidFormError([FieldProblem("session_ids", "unknown_session")])
    added = [
        AgendaRow(
            registration_id=registration.id, session_id=sid, status=statuses[sid], created_at=now
        )
        for sid in session_ids
    ]
    await Agendas(session).insert(added)
    return added
