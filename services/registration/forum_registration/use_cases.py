"""Registering an attendee: one unit of work that writes the registration and its consents,
takes a place (the only step under the forum lock), signs up for sessions, records the event
and commits.

The attendee's later actions are in `manage`, the organisers' in `admin`, the replicas of the
schedule in `replicas`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from forum_shared.db import UnitOfWork
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
from forum_registration.models import ConsentRow, RegistrationRow
from forum_registration.repository import Forums, Registrations, forum_terms

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
    key = email_key(form.email)
    wanted = initial_status(form.category, room=True).value
    async with uow:
        forums = Forums(uow.session)
        await forums.serialise(forum_code)
        # Everything up to the seat decision runs without the forum lock.
        forum = await forums.get(forum_code)
        if forum is None:
            raise RegistrationError("forum_not_found")
        forum_terms(forum).check_window(now)
        registrations = Registrations(uow.session)
        row = RegistrationRow(
            id=uuid.uuid4(),
            forum_code=forum_code,
            full_name=form.full_name,
            email=form.email,
            email_key=key,
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
        try:
            # The unique index on (forum, email) is the duplicate check: one statement, and
            # it also settles two submissions racing each other.
            await registrations.add(row)
            _add_consents(registrations, row.id, form.consents, now, client_address)
            await uow.session.flush()
        except IntegrityError as error:
            raise RegistrationError("duplicate_email", forum=forum_code) from error
        # The forum lock is only for those who need a place, and is taken as late as
        # possible: before the session seats when the agenda names sessions (the forum lock
        # always comes first, see `seats`), otherwise after all the other writes.
        if wanted == "confirmed" and form.session_ids:
            row.status = await _place(forums, forum_code)
        agenda = await sign_up(uow.session, row, form.session_ids, now=now)
        if wanted == "confirmed" and not form.session_ids:
            row.status = await _place(forums, forum_code)
        uow.record(
            events.envelope(
                events.registered(row, agenda), forum=forum_code, correlation_id=correlation_id
            )
        )
        registered = Registered(
            row.id, forum_code, row.status, row.category, row.locale, row.link_generation, now
        )
        if before_commit is not None:
            await before_commit(uow.session, registered)
        try:
            await uow.commit()
        except IntegrityError as error:
            raise RegistrationError("duplicate_email", forum=forum_code) from error
    return registered


async def _place(forums: Forums, forum_code: str) -> str:
    return "confirmed" if await forums.take_place(forum_code) else "waitlisted"


def _add_consents(
    registrations: Registrations,
    registration_id: uuid.UUID,
    consents: dict[str, bool],
    now: datetime,
    client_address: str | None,
) -> None:
    for purpose, given in sorted(consents.items()):
        if given:
            registrations.add_consent(
                ConsentRow(
                    id=uuid.uuid4(),
                    registration_id=registration_id,
                    purpose=purpose,
                    text_version=CONSENT_TEXT_VERSIONS[purpose],
                    given_at=now,
                    client_address=client_address,
                )
            )
