"""What an attendee does with their secret link: read, update, change agenda, cancel, erase,
and ask for a fresh link. A wrong token and an unknown id are the same `registration_not_found`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from forum_shared.contracts.envelope import EventData, EventEnvelope
from forum_shared.db import UnitOfWork
from forum_shared.links import token_matches
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from forum_registration import events
from forum_registration.agenda import sign_up
from forum_registration.domain import (
    ACTIVE_STATUSES,
    FieldProblem,
    InvalidFormError,
    RegistrationError,
    clean_changes,
    email_key,
    ensure_active,
    released_email_key,
)
from forum_registration.models import RegistrationRow
from forum_registration.repository import Agendas, Forums, Registrations
from forum_registration.seats import fill_forum, release_agenda


@dataclass(frozen=True)
class Caller:
    """Who acts, and how to tie the events they cause to their request."""

    secret_key: str
    now: datetime
    correlation_id: uuid.UUID | None = None


async def authorised(
    session: AsyncSession, registration_id: uuid.UUID, token: str | None, caller: Caller
) -> RegistrationRow:
    row = await Registrations(session).get(registration_id)
    if (
        row is None
        or row.erased_at is not None
        or not token
        or not token_matches(caller.secret_key, row.id, row.link_generation, token)
    ):
        raise RegistrationError("registration_not_found")
    return row


def _bump(row: RegistrationRow, now: datetime) -> None:
    row.version += 1
    row.updated_at = now


async def update_contacts(
    uow: UnitOfWork,
    registration_id: uuid.UUID,
    token: str | None,
    changes: dict[str, str | None],
    caller: Caller,
) -> RegistrationRow:
    cleaned = clean_changes(changes)
    async with uow:
        await authorised(uow.session, registration_id, token, caller)
        row = await Registrations(uow.session).lock(registration_id)
        assert row is not None
        changed = {k: v for k, v in cleaned.items() if getattr(row, k) != v}
        if not changed:
            return row
        for name, value in changed.items():
            setattr(row, name, value)
        forum = row.forum_code
        if (new_email := changed.get("email")) is not None:
            key = email_key(new_email)
            if row.status == "cancelled":
                row.email_key = released_email_key(key, row.id)
            elif key != row.email_key:
                if await Registrations(uow.session).email_taken(forum, key):
                    raise RegistrationError("duplicate_email", forum=forum)
                row.email_key = key
        _bump(row, caller.now)
        uow.record(_env(events.updated(row, changed), row, caller))
        try:
            await uow.commit()
        except IntegrityError as error:  # a concurrent change took the address first
            raise RegistrationError("duplicate_email", forum=forum) from error
    return row


async def set_agenda(
    uow: UnitOfWork,
    registration_id: uuid.UUID,
    token: str | None,
    session_ids: list[uuid.UUID],
    caller: Caller,
) -> RegistrationRow:
    """Make the agenda exactly `session_ids`: new ones get a seat or a waitlist place."""
    if len(set(session_ids)) != len(session_ids):
        raise InvalidFormError([FieldProblem("session_ids", "duplicate_sessions")])
    async with uow:
        found = await authorised(uow.session, registration_id, token, caller)
        # Seats are decided under the forum lock, like places: see `seats`.
        await Forums(uow.session).lock(found.forum_code)
        row = await Registrations(uow.session).lock(registration_id)
        assert row is not None
        ensure_active(row.status)
        current = {entry.session_id for entry in await Agendas(uow.session).of(row.id)}
        wanted = list(session_ids)
        removed = [sid for sid in current if sid not in wanted]
        added = [sid for sid in wanted if sid not in current]
        if not removed and not added:
            return row
        await release_agenda(
            uow, row, removed, now=caller.now, correlation_id=caller.correlation_id
        )
        await sign_up(uow.session, row, added, now=caller.now)
        _bump(row, caller.now)
        agenda = await Agendas(uow.session).of(row.id)
        uow.record(_env(events.agenda_changed(row, agenda), row, caller))
        await uow.commit()
    return row


async def cancel(
    uow: UnitOfWork,
    registration_id: uuid.UUID,
    token: str | None,
    caller: Caller,
    *,
    erase: bool = False,
) -> RegistrationRow:
    """Cancel (or erase) a registration; a freed place goes to the first on the waitlist.

    Erasing anonymises the person but keeps category, region and status for the counts.
    Cancelling twice is harmless: the second time changes nothing. A cancelled registration
    releases its address, so the person may register again later (a rejected one does not).
    """
    async with uow:
        found = await authorised(uow.session, registration_id, token, caller)
        forum = await Forums(uow.session).lock(found.forum_code)
        row = await Registrations(uow.session).lock(registration_id)
        assert row is not None and forum is not None
        if row.status == "rejected" and not erase:
            raise RegistrationError("registration_inactive", status=row.status)
        was_confirmed = row.status == "confirmed"
        if row.status in ACTIVE_STATUSES:
            row.status = "cancelled"
            forum.confirmed_count -= 1 if was_confirmed else 0
            row.email_key = released_email_key(row.email_key, row.id)
            _bump(row, caller.now)
            if not erase:
                uow.record(_env(events.cancelled(row), row, caller))
            await release_agenda(uow, row, now=caller.now, correlation_id=caller.correlation_id)
        elif not erase:
            return row
        if erase:
            await _anonymise(uow, row, caller.now)
        if was_confirmed:
            await fill_forum(uow, forum, now=caller.now, correlation_id=caller.correlation_id)
        await uow.commit()
    return row


async def _anonymise(uow: UnitOfWork, row: RegistrationRow, now: datetime) -> None:
    row.full_name = "—"
    row.email = row.email_key = f"erased-{row.id}@invalid"
    row.phone = row.organization = row.position = None
    row.erased_at = now
    _bump(row, now)
    for consent in await Registrations(uow.session).consents(row.id):
        consent.client_address = None
    uow.record(events.envelope(events.erased(row), forum=row.forum_code))


async def request_link(uow: UnitOfWork, forum_code: str, email: str, caller: Caller) -> None:
    """Rotate the manage link and have it mailed, if the address is registered; the caller
    hears the same either way, so nobody learns who is registered."""
    async with uow:
        found = await Registrations(uow.session).find_by_email(forum_code, email_key(email))
        if found is None or found.erased_at is not None:
            return
        row = await Registrations(uow.session).lock(found.id)
        assert row is not None
        row.link_generation += 1
        _bump(row, caller.now)
        uow.record(_env(events.link_requested(row), row, caller))
        await uow.commit()


def _env(data: EventData, row: RegistrationRow, caller: Caller) -> EventEnvelope:
    return events.envelope(data, forum=row.forum_code, correlation_id=caller.correlation_id)
