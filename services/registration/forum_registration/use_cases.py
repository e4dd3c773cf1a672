"""Registering an attendee: one unit of work that writes the registration and its consents,
signs up for sessions, records the event and takes a place (the only step under the forum
lock, as late as it can be), then commits.

The attendee's later actions are in `manage`, the organisers' in `admin`, the replicas of the
schedule in `replicas`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from forum_shared.contracts.envelope import EventEnvelope
from forum_shared.db import UnitOfWork
from forum_shared.messaging.outbox import outbox_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from forum_registration import events
from forum_registration.agenda import sign_up
from forum_registration.domain import (
    CONSENT_TEXT_VERSIONS,
    RegistrationError,
    RegistrationForm,
    clean_form,
    email_key,
    initial_status,
)
from forum_registration.models import AgendaRow, RegistrationRow
from forum_registration.repository import Forums, Registrations

BeforeCommit = Callable[[AsyncSession, "Registered"], Awaitable[None]]


@dataclass(frozen=True)
class Registered:
    id: uuid.UUID
    forum: str
    status: str
    category: str
    locale: str
    link_generation: int
    created_at: datetime


async def register_attendee(
    form: RegistrationForm,
    *,
    forum_code: str,
    uow: UnitOfWork,
    now: datetime,
    client_address: str | None,
    correlation_id: uuid.UUID | None = None,
    before_commit: BeforeCommit | None = None,
) -> Registered:
    """A new registration, its consents, its agenda and its event, in one transaction.

    `before_commit` adds writes of the caller's to the same transaction (the stored answer
    of an `Idempotency-Key`).
    """
    form = clean_form(form)
    try:
        return await _register(
            form, forum_code, uow, now, client_address, correlation_id, before_commit, True
        )
    except _FilledMeanwhileError:
        # The last place went while this transaction ran: decide the place first instead.
        return await _register(
            form, forum_code, uow, now, client_address, correlation_id, before_commit, False
        )


class _FilledMeanwhileError(Exception):
    """The forum had room when read and none when the place was taken (rolls back)."""


async def _register(
    form: RegistrationForm,
    forum_code: str,
    uow: UnitOfWork,
    now: datetime,
    client_address: str | None,
    correlation_id: uuid.UUID | None,
    before_commit: BeforeCommit | None,
    place_last: bool,
) -> Registered:
    """The statements of a registration, written with SQLAlchemy Core (no ORM flush).

    The forum row is the most contended lock of the service, so its `UPDATE` comes as late
    as it can. With no sessions in the agenda and room at the forum when read, it is the
    very last statement: the registration, its consents and its event are written as
    confirmed first (on PostgreSQL in one statement), and should the forum have filled up in
    between, everything rolls back and runs again with the place decided first
    (`place_last=False`), which is also the order when the forum is already full. Sessions
    in the agenda need the place decided first (the forum lock always comes before session
    locks, see `seats`).
    """
    wanted = initial_status(form.category, room=True).value
    async with uow:
        forums = Forums(uow.session)
        await forums.serialise(forum_code)
        found = await forums.terms(forum_code)
        if found is None:
            raise RegistrationError("forum_not_found")
        terms, confirmed = found
        terms.check_window(now)
        needs_place = wanted == "confirmed"
        place_last = place_last and needs_place and not form.session_ids
        place_last = place_last and terms.has_room(confirmed)
        row = RegistrationRow(
            id=uuid.uuid4(),
            forum_code=forum_code,
            full_name=form.full_name,
            email=form.email,
            email_key=email_key(form.email),
            phone=form.phone,
            organization=form.organization,
            position=form.position,
            region=form.region,
            category=form.category.value,
            locale=form.locale,
            status=wanted,
            version=1,
            link_generation=1,
            created_at=now,
            updated_at=now,
        )
        registrations = Registrations(uow.session)
        # Decided as confirmed with no agenda, the event can be written with the rows.
        early = _registered_event(row, [], correlation_id) if place_last else None
        try:
            # The unique index on (forum, email) is the duplicate check: one statement, and
            # it also settles two submissions racing each other.
            await registrations.insert(
                _values(row),
                _consents(row.id, form.consents, now, client_address),
                outbox_rows([early])[0] if early is not None else None,
            )
        except IntegrityError as error:
            raise RegistrationError("duplicate_email", forum=forum_code) from error
        if early is not None:
            uow.record_written(early)
        else:
            if needs_place:
                row.status = await _place(forums, forum_code)
                if row.status != wanted:
                    await registrations.set_status(row.id, row.status)
            agenda = await sign_up(uow.session, row, form.session_ids, now=now)
            uow.record(_registered_event(row, agenda, correlation_id))
        registered = Registered(
            row.id, forum_code, row.status, row.category, row.locale, row.link_generation, now
        )
        if before_commit is not None:
            await before_commit(uow.session, registered)
        if place_last and not await forums.take_place_if_room(forum_code):
            raise _FilledMeanwhileError
        try:
            await uow.commit()
        except IntegrityError as error:
            raise RegistrationError("duplicate_email", forum=forum_code) from error
    return registered


def _registered_event(
    row: RegistrationRow, agenda: list[AgendaRow], correlation_id: uuid.UUID | None
) -> EventEnvelope:
    return events.envelope(
        events.registered(row, agenda), forum=row.forum_code, correlation_id=correlation_id
    )


async def _place(forums: Forums, forum_code: str) -> str:
    return "confirmed" if await forums.take_place(forum_code) else "waitlisted"


_COLUMNS = tuple(column.key for column in RegistrationRow.__table__.columns)


def _values(row: RegistrationRow) -> dict[str, object]:
    return {key: getattr(row, key) for key in _COLUMNS}


def _consents(
    registration_id: uuid.UUID,
    consents: dict[str, bool],
    now: datetime,
    client_address: str | None,
) -> list[dict[str, object]]:
    return [
        {
            "id": uuid.uuid4(),
            "registration_id": registration_id,
            "purpose": purpose,
            "text_version": CONSENT_TEXT_VERSIONS[purpose],
            "given_at": now,
            "client_address": client_address,
        }
        for purpose, given in sorted(consents.items())
        if given
    ]
