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

    Only published sessions of the registration's forum can be chosen. Sessions are locked in
    id order, so concurrent sign-ups for the last seat take turns and never deadlock.
    """
    if not session_ids:
        return []
    rows = await Sessions(session).lock_many(session_ids)
    unknown = [
        sid
        for sid in session_ids
        if sid not in rows
        or rows[sid].forum_code != registration.forum_code
        or rows[sid].status != "published"
    ]
    if unknown:
        raise InvalidFormError([FieldProblem("session_ids", "unknown_session")])
    agendas = Agendas(session)
    added = []
    for sid in session_ids:
        taken = await agendas.seats_taken(sid)
        entry = AgendaRow(
            registration_id=registration.id,
            session_id=sid,
            status=seat_status(rows[sid].capacity, taken)
            if registration.status == "confirmed"
            else "waitlisted",
            created_at=now,
        )
        agendas.add(entry)
        added.append(entry)
    return added
