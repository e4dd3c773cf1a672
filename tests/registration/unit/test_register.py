"""The registration use case on SQLite: replica, statuses, refusals, outbox, consents."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from forum_registration.domain import InvalidFormError, RegistrationError, RegistrationForm
from forum_registration.models import ConsentRow, ForumRow, RegistrationRow
from forum_registration.schemas import RegistrationRequest
from forum_registration.use_cases import Registered, register_attendee
from forum_shared.service import ServiceRuntime
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.registration.helpers import FORUM, deliver, forum_updated, registration_body

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def form(**overrides: object) -> RegistrationForm:
    return RegistrationRequest.model_validate(registration_body(**overrides)).to_form()


async def register(runtime: ServiceRuntime, **overrides: object) -> str:
    registered = await register_attendee(
        form(**overrides),
        forum_code=FORUM,
        uow=runtime.uow(),
        now=NOW,
        client_address="203.0.113.7",
    )
    return registered.status


async def outbox(runtime: ServiceRuntime) -> list[dict[str, object]]:
    async with runtime.session_factory() as session:
        rows = (await session.execute(select(runtime.outbox_table.c.body))).scalars()
        return [json.loads(body) for body in rows]


async def test_forum_replica_ignores_events_not_newer_than_what_it_holds(
    runtime: ServiceRuntime,
) -> None:
    await deliver(runtime, forum_updated(version=2, capacity=50))
    await deliver(runtime, forum_updated(version=1, capacity=10))
    await deliver(runtime, forum_updated(version=2, capacity=20))
    async with runtime.session_factory() as session:
        forum = await session.get(ForumRow, FORUM)
    assert forum is not None and (forum.version, forum.capacity) == (2, 50)
    await deliver(runtime, forum_updated(version=3, capacity=60))
    async with runtime.session_factory() as session:
        forum = await session.get(ForumRow, FORUM)
    assert forum is not None and forum.capacity == 60


async def test_registration_writes_row_consents_and_event_together(
    runtime: ServiceRuntime,
) -> None:
    await deliver(runtime, forum_updated())
    assert await register(runtime) == "confirmed"
    async with runtime.session_factory() as session:
        row = (await session.execute(select(RegistrationRow))).scalar_one()
        consents = (await session.execute(select(ConsentRow))).scalars().all()
    assert row.region == "Волгоградская область"
    assert {(c.purpose, c.client_address) for c in consents} == {
        ("personal_data", "203.0.113.7"),
        ("news", "203.0.113.7"),
    }
    assert all(c.text_version for c in consents)
    [event] = await outbox(runtime)
    assert event["type"] == "registration.attendee.registered"
    assert event["forum"] == FORUM
    data = event["data"]
    assert isinstance(data, dict)
    assert data["registration_id"] == str(row.id)
    assert data["link_generation"] == 1
    assert data["full_name"] == "Иванова Мария Сергеевна"
    assert "token" not in json.dumps(event)


async def test_capacity_puts_the_rest_on_the_waitlist_and_press_waits_for_approval(
    runtime: ServiceRuntime,
) -> None:
    await deliver(runtime, forum_updated(capacity=1))
    assert await register(runtime, email="a@example.ru") == "confirmed"
    assert await register(runtime, email="b@example.ru") == "waitlisted"
    assert await register(runtime, email="c@example.ru", category="press") == "pending_approval"
    assert await register(runtime, email="d@example.ru", category="speaker") == "pending_approval"
    told = [event["data"]["status"] for event in await outbox(runtime)]  # type: ignore[index]
    assert told == ["confirmed", "waitlisted", "pending_approval", "pending_approval"]
    async with runtime.session_factory() as session:
        stored = (
            await session.execute(select(RegistrationRow.email, RegistrationRow.status))
        ).all()
        forum = await session.get(ForumRow, FORUM)
    assert dict(stored) == {
        "a@example.ru": "confirmed",
        "b@example.ru": "waitlisted",
        "c@example.ru": "pending_approval",
        "d@example.ru": "pending_approval",
    }
    assert forum is not None and forum.confirmed_count == 1


async def test_the_forum_row_is_updated_last_before_the_commit(runtime: ServiceRuntime) -> None:
    """The forum row is the most contended lock: a registration without sessions takes it
    with its very last statement, after its rows and its outbox event."""
    await deliver(runtime, forum_updated(capacity=5))
    statements: list[str] = []

    def remember(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split())[:60])

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", remember)
    try:
        assert await register(runtime) == "confirmed"
    finally:
        event.remove(runtime.engine.sync_engine, "before_cursor_execute", remember)
    assert statements[-1].startswith("UPDATE forums SET confirmed_count")
    assert any(s.startswith("INSERT INTO outbox") for s in statements[:-1])


async def test_a_forum_filled_while_registering_rolls_back_and_decides_the_place_first(
    runtime: ServiceRuntime,
) -> None:
    await deliver(runtime, forum_updated(capacity=1))
    attempts: list[str] = []

    async def fill_the_forum_once(session: AsyncSession, registered: Registered) -> None:
        attempts.append(registered.status)
        if len(attempts) == 1:  # as if another registration had just taken the last place
            await session.execute(update(ForumRow).values(confirmed_count=1))

    registered = await register_attendee(
        form(),
        forum_code=FORUM,
        uow=runtime.uow(),
        now=NOW,
        client_address=None,
        before_commit=fill_the_forum_once,
    )
    # The first attempt rolled back whole (the filling with it); the second took the place.
    assert attempts == ["confirmed", "confirmed"] and registered.status == "confirmed"
    async with runtime.session_factory() as session:
        assert len((await session.execute(select(RegistrationRow))).all()) == 1
        assert len((await session.execute(select(ConsentRow))).all()) == 2
        forum = await session.get(ForumRow, FORUM)
    assert forum is not None and forum.confirmed_count == 1
    assert [e["data"]["status"] for e in await outbox(runtime)] == ["confirmed"]  # type: ignore[index]


async def test_refusals_unknown_forum_duplicate_email_closed_window(
    runtime: ServiceRuntime,
) -> None:
    with pytest.raises(RegistrationError) as caught:
        await register(runtime)
    assert caught.value.code == "forum_not_found"
    await deliver(runtime, forum_updated())
    await register(runtime, email="Same@Example.ru")
    with pytest.raises(RegistrationError) as caught:
        await register(runtime, email="same@example.RU ", full_name="Другой Человек")
    assert caught.value.code == "duplicate_email"
    await deliver(runtime, forum_updated(version=2, closes_at=NOW - timedelta(seconds=1)))
    with pytest.raises(RegistrationError) as caught:
        await register(runtime, email="late@example.ru")
    assert caught.value.code == "registration_closed"
    assert len(await outbox(runtime)) == 1


async def test_unknown_session_in_agenda_is_refused_and_nothing_is_written(
    runtime: ServiceRuntime,
) -> None:
    await deliver(runtime, forum_updated())
    with pytest.raises(InvalidFormError):
        await register(runtime, session_ids=[str(uuid.uuid4())])
    async with runtime.session_factory() as session:
        assert (await session.execute(select(RegistrationRow))).first() is None
    assert await outbox(runtime) == []


async def test_capacity_holds_under_concurrency_on_sqlite_too(runtime: ServiceRuntime) -> None:
    """The embedded default: SQLite's write lock, taken first, serialises the decisions."""
    await deliver(runtime, forum_updated(capacity=10))
    statuses = await asyncio.gather(
        *(register(runtime, email=f"s{i}@example.ru") for i in range(30))
    )
    assert sorted(statuses) == ["confirmed"] * 10 + ["waitlisted"] * 20
