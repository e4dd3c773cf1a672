"""A registration on PostgreSQL: one statement reads the forum and inserts a new attendee;
a registration that overtakes its forum leaves nothing behind."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from forum_notifications import repository
from forum_notifications.handlers import registration_handlers, schedule_handlers
from forum_notifications.models import AgendaEntryRow, AttendeeRow, Base, EmailRow
from forum_notifications.rendering import Renderer
from forum_notifications.use_cases import ForumNotKnownYetError, Mailer
from forum_shared.contracts import EventEnvelope, decode_data
from forum_shared.contracts.registration import AgendaEntry
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings
from sqlalchemy import func, select

from tests.notifications.factories import MAIL_FROM, attendee_registered, forum_updated


@pytest.fixture
async def runtime(
    make_settings: Callable[..., ForumSettings], database_url: str
) -> AsyncIterator[ServiceRuntime]:
    settings = make_settings(database_url=database_url, mail_from=MAIL_FROM)
    runtime = ServiceRuntime("notifications", settings, Base.metadata)
    async with runtime.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield runtime
    await runtime.engine.dispose()


async def _apply(runtime: ServiceRuntime, envelope: EventEnvelope) -> None:
    mailer = Mailer(Renderer(), "test-secret-key-0123456789abcdef0123456789", "http://x", MAIL_FROM)
    handlers = {**schedule_handlers(), **registration_handlers(mailer)}
    async with runtime.uow() as uow:
        await handlers[envelope.type](envelope, decode_data(envelope), uow)
        await uow.commit()


async def _count(runtime: ServiceRuntime, model: type[Base]) -> int:
    async with runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_registration_before_its_forum_leaves_no_attendee(runtime: ServiceRuntime) -> None:
    registered = attendee_registered(agenda=[AgendaEntry(session_id=uuid.uuid4())])
    with pytest.raises(ForumNotKnownYetError):
        await _apply(runtime, registered)
    assert await _count(runtime, AttendeeRow) == 0
    assert await _count(runtime, AgendaEntryRow) == 0
    await _apply(runtime, forum_updated())
    await _apply(runtime, registered)  # the retry, once the forum is known
    assert (await _count(runtime, AttendeeRow), await _count(runtime, AgendaEntryRow)) == (1, 1)
    assert await _count(runtime, EmailRow) == 1


async def test_new_then_held_attendee_on_postgresql(runtime: ServiceRuntime) -> None:
    await _apply(runtime, forum_updated())
    registration_id, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await _apply(
        runtime,
        attendee_registered(
            registration_id=registration_id, agenda=[AgendaEntry(session_id=first)]
        ),
    )
    await _apply(
        runtime,
        attendee_registered(
            registration_id=registration_id,
            version=2,
            full_name="Новое Имя",
            agenda=[AgendaEntry(session_id=second)],
        ),
    )
    await _apply(  # older than what is held: ignored
        runtime,
        attendee_registered(registration_id=registration_id, version=1, full_name="Старое"),
    )
    async with runtime.session_factory() as session:
        attendee = await repository.get_attendee(session, registration_id)
        index = set(await session.scalars(select(AgendaEntryRow.session_id)))
    assert attendee is not None
    assert (attendee.version, attendee.full_name) == (2, "Новое Имя")
    assert index == {second}
