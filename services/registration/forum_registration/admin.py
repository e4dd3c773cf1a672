"""What organisers do: approve or reject, and check people in at the entrance."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from forum_shared.db import UnitOfWork

from forum_registration import events
from forum_registration.badges import read_badge
from forum_registration.domain import ACTIVE_STATUSES, RegistrationError
from forum_registration.models import ForumRow, RegistrationRow
from forum_registration.repository import Forums, Registrations, forum_terms
from forum_registration.seats import claim_seats, fill_forum, release_agenda


async def _locked(uow: UnitOfWork, registration_id: uuid.UUID) -> tuple[RegistrationRow, ForumRow]:
    found = await Registrations(uow.session).get(registration_id)
    if found is None or found.erased_at is not None:
        raise RegistrationError("registration_not_found")
    forum = await Forums(uow.session).lock(found.forum_code)
    row = await Registrations(uow.session).lock(registration_id)
    assert row is not None and forum is not None
    return row, forum


async def approve(
    uow: UnitOfWork, registration_id: uuid.UUID, *, now: datetime, correlation_id: uuid.UUID
) -> RegistrationRow:
    """A pending press or speaker registration gets a place, or the waitlist when full."""
    async with uow:
        row, forum = await _locked(uow, registration_id)
        if row.status != "pending_approval":
            raise RegistrationError("not_pending", status=row.status)
        room = forum_terms(forum).has_room(forum.confirmed_count)
        row.status = "confirmed" if room else "waitlisted"
        forum.confirmed_count += 1 if room else 0
        row.version += 1
        row.updated_at = now
        uow.record(
            events.envelope(events.approved(row), forum=forum.code, correlation_id=correlation_id)
        )
        if row.status == "confirmed":
            await claim_seats(uow, row, now=now, correlation_id=correlation_id)
        await uow.commit()
    return row


async def reject(
    uow: UnitOfWork,
    registration_id: uuid.UUID,
    reason: str | None,
    *,
    now: datetime,
    correlation_id: uuid.UUID,
) -> RegistrationRow:
    """Refuse a registration; a place it held goes to the waitlist."""
    async with uow:
        row, forum = await _locked(uow, registration_id)
        if row.status not in ACTIVE_STATUSES:
            raise RegistrationError("registration_inactive", status=row.status)
        was_confirmed = row.status == "confirmed"
        row.status = "rejected"
        forum.confirmed_count -= 1 if was_confirmed else 0
        row.version += 1
        row.updated_at = now
        uow.record(
            events.envelope(
                events.rejected(row, reason), forum=forum.code, correlation_id=correlation_id
            )
        )
        await release_agenda(uow, row, now=now, correlation_id=correlation_id)
        if was_confirmed:
            await fill_forum(uow, forum, now=now, correlation_id=correlation_id)
        await uow.commit()
    return row


@dataclass(frozen=True)
class CheckIn:
    registration_id: uuid.UUID
    full_name: str
    organization: str | None
    category: str
    checked_in_at: datetime
    first_time: bool

    @classmethod
    def of(cls, row: RegistrationRow, *, first_time: bool) -> CheckIn:
        assert row.checked_in_at is not None
        return cls(
            row.id, row.full_name, row.organization, row.category, row.checked_in_at, first_time
        )


async def check_in(
    uow: UnitOfWork,
    forum_code: str,
    code: str,
    *,
    secret_key: str,
    now: datetime,
    correlation_id: uuid.UUID,
) -> CheckIn:
    """Record the first scan of a genuine badge; later scans say when that was."""
    registration_id = read_badge(secret_key, code)
    if registration_id is None:
        raise RegistrationError("badge_invalid")
    async with uow:
        row = await Registrations(uow.session).lock(registration_id)
        if row is None or row.forum_code != forum_code or row.erased_at is not None:
            raise RegistrationError("badge_invalid")
        if row.checked_in_at is not None:
            return CheckIn.of(row, first_time=False)
        if row.status != "confirmed":
            raise RegistrationError("badge_not_valid", status=row.status)
        row.checked_in_at = now
        row.version += 1
        row.updated_at = now
        uow.record(
            events.envelope(events.checked_in(row), forum=forum_code, correlation_id=correlation_id)
        )
        await uow.commit()
        return CheckIn.of(row, first_time=True)
