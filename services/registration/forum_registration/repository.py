"""All SQL of the registration service. Repositories never commit; the unit of work does."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from forum_shared.messaging.outbox import define_outbox_table
from sqlalchemy import Executable, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_registration.domain import ForumTerms
from forum_registration.models import (
    AgendaRow,
    Base,
    ConsentRow,
    ForumRow,
    RegistrationRow,
    SessionRow,
)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def forum_terms(row: ForumRow) -> ForumTerms:
    return ForumTerms(
        code=row.code,
        timezone=row.timezone,
        ends_on=row.ends_on,
        capacity=row.capacity,
        opens_at=aware(row.registration_opens_at),
        closes_at=aware(row.registration_closes_at),
    )


# The mapped tables, for statements that need no ORM unit of work (the registration path).
_FORUMS = cast(Table, ForumRow.__table__)
_REGISTRATIONS = cast(Table, RegistrationRow.__table__)
_CONSENTS = cast(Table, ConsentRow.__table__)
_AGENDA = cast(Table, AgendaRow.__table__)
_SESSIONS = cast(Table, SessionRow.__table__)
# Statements of the registration path, built once: a call only binds its parameters (no
# expression building or cache key generation per registration).
_TERMS = select(
    _FORUMS.c.code,
    _FORUMS.c.timezone,
    _FORUMS.c.ends_on,
    _FORUMS.c.capacity,
    _FORUMS.c.registration_opens_at,
    _FORUMS.c.registration_closes_at,
    _FORUMS.c.confirmed_count,
).where(_FORUMS.c.code == bindparam("code"))
_TAKE_PLACE = (
    update(_FORUMS)
    .where(
        _FORUMS.c.code == bindparam("forum"),
        or_(_FORUMS.c.capacity.is_(None), _FORUMS.c.confirmed_count < _FORUMS.c.capacity),
    )
    .values(confirmed_count=_FORUMS.c.confirmed_count + 1)
)
_TAKE_SEAT = (
    update(_SESSIONS)
    .where(
        _SESSIONS.c.session_id == bindparam("session"),
        _SESSIONS.c.forum_code == bindparam("forum"),
        _SESSIONS.c.status == "published",
        or_(_SESSIONS.c.capacity.is_(None), _SESSIONS.c.seats_taken < _SESSIONS.c.capacity),
    )
    .values(seats_taken=_SESSIONS.c.seats_taken + 1)
)


_OUTBOX = define_outbox_table(Base.metadata)
_OUTBOX_COLUMNS = ("event_id", "routing_key", "body", "attempts", "trace_context")


@functools.cache
def _insert_together(consents: int, with_outbox: bool) -> Executable:
    """Built once per shape: only the parameters change from one registration to the next
    (no statement construction or cache key per call)."""

    def params(table: Table, prefix: str, keys: Sequence[str]) -> dict[str, Any]:
        return {key: bindparam(f"{prefix}{key}", type_=table.c[key].type) for key in keys}

    registration_keys = [column.key for column in _REGISTRATIONS.columns]
    consent_keys = [column.key for column in _CONSENTS.columns]
    statements = [insert(_REGISTRATIONS).values(params(_REGISTRATIONS, "r_", registration_keys))]
    if consents:
        rows = [params(_CONSENTS, f"c{n}_", consent_keys) for n in range(consents)]
        statements.append(insert(_CONSENTS).values(rows))
    if with_outbox:
        statements.append(insert(_OUTBOX).values(params(_OUTBOX, "o_", _OUTBOX_COLUMNS)))
    last = statements.pop()
    ctes = [statement.cte(f"written_{n}") for n, statement in enumerate(statements)]
    return last.add_cte(*ctes)


class Forums:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> ForumRow | None:
        return await self.session.get(ForumRow, code)

    async def terms(self, code: str) -> tuple[ForumTerms, int] | None:
        """The forum's terms and its confirmed count as last committed (not locked: a hint
        for the seat decision, which `take_place` makes under the lock)."""
        found = (await self.session.execute(_TERMS, {"code": code})).first()
        if found is None:
            return None
        terms = ForumTerms(
            code=found.code,
            timezone=found.timezone,
            ends_on=found.ends_on,
            capacity=found.capacity,
            opens_at=aware(found.registration_opens_at),
            closes_at=aware(found.registration_closes_at),
        )
        return terms, found.confirmed_count

    async def serialise(self, code: str) -> None:
        """SQLite only: take its database write lock now (it must be a transaction's first
        statement, or a later write may fail with `database is locked`). PostgreSQL: nothing."""
        if self.session.get_bind().dialect.name == "sqlite":
            await self.session.execute(
                update(ForumRow).where(ForumRow.code == code).values(version=ForumRow.version)
            )

    async def lock(self, code: str) -> ForumRow | None:
        """The forum row, locked until commit: seat decisions of one forum take turns here.

        PostgreSQL: `SELECT … FOR NO KEY UPDATE`. It excludes every other seat decision but
        not the `FOR KEY SHARE` that inserting a registration takes through its foreign key,
        so a transaction may insert its registration first and lock the forum after (with
        `FOR UPDATE` two such transactions would deadlock). SQLite has no row locks, so we take
        its database write lock with a no-op update first.
        """
        await self.serialise(code)
        found = await self.session.execute(
            select(ForumRow)
            .where(ForumRow.code == code)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        return found.scalar_one_or_none()

    async def take_place(self, code: str) -> bool:
        """Count one more confirmed attendee if the forum has room; False when it is full.

        One statement when there is room (the row stays locked until commit, which follows
        soon). When full, the forum is locked before saying no, so that a place freed by a
        transaction still running is decided after this one commits: its promotion then
        sees this waiting registration instead of skipping it.
        """
        if await self.take_place_if_room(code):
            return True
        forum = await self.lock(code)
        assert forum is not None
        if forum.capacity is not None and forum.confirmed_count >= forum.capacity:
            return False
        forum.confirmed_count += 1  # room freed since the update above
        return True

    async def take_place_if_room(self, code: str) -> bool:
        """One statement: one more confirmed attendee if the forum has room (the row stays
        locked until commit); False, and nothing locked or changed, when it is full."""
        taken = await self.session.execute(_TAKE_PLACE, {"forum": code})
        return getattr(taken, "rowcount", 0) == 1

    def add(self, row: ForumRow) -> None:
        self.session.add(row)


class Sessions:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, session_id: uuid.UUID) -> SessionRow | None:
        return await self.session.get(SessionRow, session_id)

    async def lock_many(self, session_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SessionRow]:
        """Sessions locked in id order (a fixed order, so two sign-ups never deadlock)."""
        if not session_ids:
            return {}
        found = await self.session.execute(
            select(SessionRow)
            .where(SessionRow.session_id.in_(sorted(session_ids)))
            .order_by(SessionRow.session_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {row.session_id: row for row in found.scalars()}

    async def take_seat(self, session_id: uuid.UUID, forum_code: str) -> bool:
        """One more seat taken in a published session of the forum if it has room, in one
        statement; False when it is full or not a session one can sign up for."""
        taken = await self.session.execute(_TAKE_SEAT, {"session": session_id, "forum": forum_code})
        return getattr(taken, "rowcount", 0) == 1

    def add(self, row: SessionRow) -> None:
        self.session.add(row)


class Registrations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, registration_id: uuid.UUID) -> RegistrationRow | None:
        return await self.session.get(RegistrationRow, registration_id)

    async def lock(self, registration_id: uuid.UUID) -> RegistrationRow | None:
        found = await self.session.execute(
            select(RegistrationRow)
            .where(RegistrationRow.id == registration_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return found.scalar_one_or_none()

    async def email_taken(self, forum_code: str, email_key: str) -> bool:
        found = await self.session.execute(
            select(RegistrationRow.id).where(
                RegistrationRow.forum_code == forum_code, RegistrationRow.email_key == email_key
            )
        )
        return found.first() is not None

    async def find_by_email(self, forum_code: str, email_key: str) -> RegistrationRow | None:
        found = await self.session.execute(
            select(RegistrationRow).where(
                RegistrationRow.forum_code == forum_code, RegistrationRow.email_key == email_key
            )
        )
        return found.scalar_one_or_none()

    async def count_with_status(self, forum_code: str, status: str) -> int:
        found = await self.session.execute(
            select(func.count()).where(
                RegistrationRow.forum_code == forum_code, RegistrationRow.status == status
            )
        )
        return int(found.scalar_one())

    async def first_waitlisted(self, forum_code: str) -> RegistrationRow | None:
        found = await self.session.execute(
            select(RegistrationRow)
            .where(RegistrationRow.forum_code == forum_code, RegistrationRow.status == "waitlisted")
            .order_by(RegistrationRow.created_at, RegistrationRow.id)
            .limit(1)
            .with_for_update()
        )
        return found.scalar_one_or_none()

    async def insert(
        self,
        registration: dict[str, Any],
        consents: list[dict[str, Any]],
        outbox_row: dict[str, Any] | None = None,
    ) -> None:
        """A new registration, its consents and (if given) its outbox row.

        PostgreSQL: one statement (data-modifying CTEs; the foreign keys are checked at its
        end), so one round trip. SQLite, which has no such CTEs: one statement per table.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            statement = _insert_together(len(consents), outbox_row is not None)
            params = {f"r_{key}": value for key, value in registration.items()}
            for n, consent in enumerate(consents):
                params.update({f"c{n}_{key}": value for key, value in consent.items()})
            if outbox_row is not None:
                params.update({f"o_{key}": value for key, value in outbox_row.items()})
            await self.session.execute(statement, params)
            return
        await self.session.execute(insert(_REGISTRATIONS), registration)
        if consents:
            await self.session.execute(insert(_CONSENTS), consents)
        if outbox_row is not None:
            await self.session.execute(insert(_OUTBOX), outbox_row)

    async def set_status(self, registration_id: uuid.UUID, status: str) -> None:
        await self.session.execute(
            update(_REGISTRATIONS)
            .where(_REGISTRATIONS.c.id == registration_id)
            .values(status=status)
        )

    async def consents(self, registration_id: uuid.UUID) -> list[ConsentRow]:
        found = await self.session.execute(
            select(ConsentRow).where(ConsentRow.registration_id == registration_id)
        )
        return list(found.scalars())


class Agendas:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, registration_id: uuid.UUID) -> list[AgendaRow]:
        found = await self.session.execute(
            select(AgendaRow)
            .where(AgendaRow.registration_id == registration_id)
            .order_by(AgendaRow.created_at, AgendaRow.session_id)
        )
        return list(found.scalars())

    async def of_session(self, session_id: uuid.UUID) -> list[AgendaRow]:
        found = await self.session.execute(
            select(AgendaRow)
            .where(AgendaRow.session_id == session_id)
            .order_by(AgendaRow.registration_id)
        )
        return list(found.scalars())

    async def first_waitlisted(self, session_id: uuid.UUID) -> AgendaRow | None:
        # Only attendees with a place at the forum take seats; the rest keep their turn.
        found = await self.session.execute(
            select(AgendaRow)
            .join(RegistrationRow, RegistrationRow.id == AgendaRow.registration_id)
            .where(
                AgendaRow.session_id == session_id,
                AgendaRow.status == "waitlisted",
                RegistrationRow.status == "confirmed",
            )
            .order_by(AgendaRow.created_at, AgendaRow.registration_id)
            .limit(1)
        )
        return found.scalar_one_or_none()

    async def insert(self, rows: list[AgendaRow]) -> None:
        """New agenda entries in one statement (the rows stay out of the ORM session)."""
        values = [
            {
                "registration_id": row.registration_id,
                "session_id": row.session_id,
                "status": row.status,
                "created_at": row.created_at,
            }
            for row in rows
        ]
        if values:
            await self.session.execute(insert(_AGENDA), values[0] if len(values) == 1 else values)

    async def delete(self, row: AgendaRow) -> None:
        await self.session.delete(row)
