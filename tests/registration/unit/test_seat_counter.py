"""The forum row's `confirmed_count` follows every status change (it replaces a count(*)
under the forum lock, so a drift would let one place too many or too few through)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from forum_registration import admin, manage
from forum_registration.models import AgendaRow, ForumRow, RegistrationRow, SessionRow
from forum_registration.schemas import RegistrationRequest
from forum_registration.use_cases import register_attendee
from forum_shared.links import manage_token
from forum_shared.service import ServiceRuntime
from sqlalchemy import func, select

from tests.registration.helpers import (
    FORUM,
    deliver,
    forum_updated,
    registration_body,
    session_changed,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
_arrivals = itertools.count()


async def register(runtime: ServiceRuntime, email: str, **overrides: object) -> uuid.UUID:
    form = RegistrationRequest.model_validate(registration_body(email=email, **overrides))
    done = await register_attendee(
        form.to_form(),
        forum_code=FORUM,
        uow=runtime.uow(),
        now=NOW + timedelta(milliseconds=next(_arrivals)),
        client_address=None,
    )
    return done.id


async def counter_and_count(runtime: ServiceRuntime) -> tuple[int, int]:
    async with runtime.uow() as uow:
        forum = await uow.session.get(ForumRow, FORUM)
        assert forum is not None
        counted = await uow.session.scalar(
            select(func.count()).where(
                RegistrationRow.forum_code == FORUM, RegistrationRow.status == "confirmed"
            )
        )
        return forum.confirmed_count, int(counted or 0)


async def test_counter_follows_register_approve_reject_cancel_erase_promote(
    runtime: ServiceRuntime,
) -> None:
    await deliver(runtime, forum_updated(capacity=2))
    first = await register(runtime, "a@example.ru")
    second = await register(runtime, "b@example.ru")
    waiting = await register(runtime, "c@example.ru")
    press = await register(runtime, "press@example.ru", category="press")
    assert await counter_and_count(runtime) == (2, 2)

    caller = manage.Caller(secret_key=runtime.settings.secret_key, now=NOW)

    def token(rid: uuid.UUID) -> str:
        return manage_token(runtime.settings.secret_key, rid, 1)

    # A cancellation frees a place and the waitlist takes it: still 2.
    await manage.cancel(runtime.uow(), first, token(first), caller)
    assert await counter_and_count(runtime) == (2, 2)
    # Cancelling twice changes nothing.
    await manage.cancel(runtime.uow(), first, token(first), caller)
    assert await counter_and_count(runtime) == (2, 2)

    corr = uuid.uuid4()
    # Full: approval sends the press registration to the waitlist.
    approved = await admin.approve(runtime.uow(), press, now=NOW, correlation_id=corr)
    assert approved.status == "waitlisted"
    assert await counter_and_count(runtime) == (2, 2)
    # Rejecting a confirmed one promotes the press registration.
    await admin.reject(runtime.uow(), waiting, None, now=NOW, correlation_id=corr)
    assert await counter_and_count(runtime) == (2, 2)
    # Erasing a confirmed one frees its place; nobody is left waiting.
    await manage.cancel(runtime.uow(), second, token(second), caller, erase=True)
    assert await counter_and_count(runtime) == (1, 1)
    # A new registration takes it; the next waits; the forum grows and promotes.
    assert (await register(runtime, "d@example.ru")) is not None
    await register(runtime, "e@example.ru")
    assert await counter_and_count(runtime) == (2, 2)
    await deliver(runtime, forum_updated(capacity=5, version=2))
    assert await counter_and_count(runtime) == (3, 3)


async def test_counter_counts_without_a_capacity(runtime: ServiceRuntime) -> None:
    await deliver(runtime, forum_updated())
    people = [await register(runtime, f"p{i}@example.ru") for i in range(3)]
    await register(runtime, "speaker@example.ru", category="speaker")
    assert await counter_and_count(runtime) == (3, 3)
    caller = manage.Caller(secret_key=runtime.settings.secret_key, now=NOW)
    await manage.cancel(
        runtime.uow(), people[0], manage_token(runtime.settings.secret_key, people[0], 1), caller
    )
    assert await counter_and_count(runtime) == (2, 2)
    # A capacity set later starts from the right count.
    await deliver(runtime, forum_updated(capacity=3, version=2))
    await register(runtime, "late1@example.ru")
    await register(runtime, "late2@example.ru")
    assert await counter_and_count(runtime) == (3, 3)


async def seats_and_count(runtime: ServiceRuntime, sid: uuid.UUID) -> tuple[int, int]:
    async with runtime.uow() as uow:
        row = await uow.session.get(SessionRow, sid)
        assert row is not None
        counted = await uow.session.scalar(
            select(func.count()).where(AgendaRow.session_id == sid, AgendaRow.status == "confirmed")
        )
        return row.seats_taken, int(counted or 0)


async def test_session_seats_follow_sign_up_agenda_change_cancel_and_capacity(
    runtime: ServiceRuntime,
) -> None:
    """`sessions.seats_taken` replaces a count(*) under the session lock: it must follow
    every seat change, or a session would admit one too many or refuse a free seat."""
    plenary, panel = uuid.uuid4(), uuid.uuid4()
    await deliver(runtime, forum_updated(capacity=3))
    await deliver(runtime, session_changed(plenary, capacity=2))
    await deliver(runtime, session_changed(panel))
    both = {"session_ids": [str(plenary), str(panel)]}
    a = await register(runtime, "a@example.ru", **both)
    b = await register(runtime, "b@example.ru", **both)
    c = await register(runtime, "c@example.ru", **both)  # plenary full: its waitlist
    await register(runtime, "d@example.ru", **both)  # no place at the forum: waits for both
    assert await seats_and_count(runtime, plenary) == (2, 2)
    assert await seats_and_count(runtime, panel) == (3, 3)

    caller = manage.Caller(secret_key=runtime.settings.secret_key, now=NOW)

    def token(rid: uuid.UUID) -> str:
        return manage_token(runtime.settings.secret_key, rid, 1)

    # Dropping the plenary passes the seat to c; the panel is untouched.
    await manage.set_agenda(runtime.uow(), a, token(a), [panel], caller)
    assert await seats_and_count(runtime, plenary) == (2, 2)
    assert await seats_and_count(runtime, panel) == (3, 3)
    # Cancelling b frees a forum place (d is promoted, takes the panel and the plenary seat).
    await manage.cancel(runtime.uow(), b, token(b), caller)
    assert await seats_and_count(runtime, plenary) == (2, 2)
    assert await seats_and_count(runtime, panel) == (3, 3)
    # A bigger hall: nobody is left waiting for the plenary, the counter stays exact.
    await deliver(runtime, session_changed(plenary, capacity=10, version=2))
    assert await seats_and_count(runtime, plenary) == (2, 2)
    # Re-adding the plenary takes a seat by the one-statement path.
    await manage.set_agenda(runtime.uow(), a, token(a), [panel, plenary], caller)
    assert await seats_and_count(runtime, plenary) == (3, 3)
    # A cancelled session loses every entry.
    await deliver(runtime, session_changed(panel, status="cancelled", version=2))
    assert await seats_and_count(runtime, panel) == (0, 0)
    assert c is not None
