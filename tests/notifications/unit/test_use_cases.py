"""Replicas and email queuing on SQLite, without a broker: the use cases alone."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from forum_notifications import repository
from forum_notifications.models import AgendaEntryRow, EmailRow
from forum_notifications.use_cases import (
    ForumNotKnownYetError,
    Mailer,
    register_attendee,
    update_forum,
)
from forum_shared.contracts.common import RegistrationStatus
from forum_shared.contracts.registration import AgendaEntry, AttendeeRegistered
from forum_shared.contracts.schedule import ForumUpdated
from forum_shared.links import manage_token
from forum_shared.service import ServiceRuntime
from sqlalchemy import select

from tests.notifications.factories import FORUM, attendee_registered, forum_updated

SECRET = "test-secret-key-0123456789abcdef0123456789"


async def _apply_forum(runtime: ServiceRuntime, version: int, title: str) -> bool:
    envelope = forum_updated(version=version, title_ru=title)
    async with runtime.uow() as uow:
        applied = await update_forum(uow, ForumUpdated.model_validate(envelope.data))
        await uow.commit()
    return applied


async def _register(runtime: ServiceRuntime, mailer: Mailer, envelope: object) -> None:
    async with runtime.uow() as uow:
        data = AttendeeRegistered.model_validate(envelope.data)  # type: ignore[attr-defined]
        await register_attendee(uow, envelope, data, mailer=mailer)  # type: ignore[arg-type]
        await uow.commit()


async def _emails(runtime: ServiceRuntime) -> list[EmailRow]:
    async with runtime.session_factory() as session:
        return list((await session.scalars(select(EmailRow))).all())


async def test_forum_replica_ignores_stale_versions(runtime: ServiceRuntime) -> None:
    assert await _apply_forum(runtime, 2, "Новое название")
    assert not await _apply_forum(runtime, 1, "Старое название")
    assert not await _apply_forum(runtime, 2, "Повтор")
    async with runtime.session_factory() as session:
        forum = await repository.get_forum(session, FORUM)
    assert forum is not None and forum.title["ru"] == "Новое название" and forum.version == 2


async def test_registration_before_its_forum_is_retried_not_dropped(
    runtime: ServiceRuntime, mailer: Mailer
) -> None:
    with pytest.raises(ForumNotKnownYetError):
        await _register(runtime, mailer, attendee_registered())
    assert await _emails(runtime) == []


async def test_one_email_row_per_event_recipient_and_template(
    runtime: ServiceRuntime, mailer: Mailer
) -> None:
    await _apply_forum(runtime, 1, "ПромЭнергоVolga 2026")
    registration_id = uuid.uuid4()
    envelope = attendee_registered(registration_id=registration_id, link_generation=3)
    await _register(runtime, mailer, envelope)
    await _register(runtime, mailer, envelope)
    [row] = await _emails(runtime)
    assert (row.source_event_id, row.recipient_id, row.template) == (
        envelope.event_id,
        registration_id,
        "confirmation",
    )
    assert row.status == "queued" and row.to_email == "maria@example.ru"
    assert row.message_id == f"<{envelope.event_id}.{registration_id}.confirmation@forum.test>"
    token = manage_token(SECRET, registration_id, 3)
    assert f"http://forum.test/manage/{registration_id}?token={token}" in row.text_body
    async with runtime.session_factory() as session:
        attendee = await repository.get_attendee(session, registration_id)
    assert attendee is not None and attendee.full_name == "Иванова Мария Петровна"


async def test_the_sender_is_woken_only_after_a_commit_that_queued_an_email(
    runtime: ServiceRuntime, mailer: Mailer
) -> None:
    wakes: list[int] = []
    waking = replace(mailer, queued=lambda: wakes.append(1))
    await _apply_forum(runtime, 1, "ПромЭнергоVolga 2026")
    envelope = attendee_registered()
    async with runtime.uow() as uow:  # queued, then rolled back: nothing to send
        data = AttendeeRegistered.model_validate(envelope.data)
        await register_attendee(uow, envelope, data, mailer=waking)
    assert wakes == [] and await _emails(runtime) == []
    await _register(runtime, waking, envelope)
    assert wakes == [1]
    await _register(runtime, waking, envelope)  # already queued: no new email, no wake
    assert wakes == [1] and len(await _emails(runtime)) == 1


@pytest.mark.parametrize(
    ("status", "template", "subject"),
    [
        (RegistrationStatus.PENDING_APPROVAL, "pending_approval", "Application received"),
        (RegistrationStatus.WAITLISTED, "waitlisted", "You are on the waiting list"),
    ],
)
async def test_status_decides_the_template_and_locale_the_language(
    runtime: ServiceRuntime,
    mailer: Mailer,
    status: RegistrationStatus,
    template: str,
    subject: str,
) -> None:
    await _apply_forum(runtime, 1, "ПромЭнергоVolga 2026")
    await _register(runtime, mailer, attendee_registered(status=status, locale="en"))
    [row] = await _emails(runtime)
    assert row.template == template
    assert row.subject.startswith(subject)


async def test_the_agenda_index_follows_a_new_and_then_a_newer_registration(
    runtime: ServiceRuntime, mailer: Mailer
) -> None:
    await _apply_forum(runtime, 1, "ПромЭнергоVolga 2026")
    registration_id, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def index() -> set[uuid.UUID]:
        async with runtime.session_factory() as session:
            rows = await session.scalars(
                select(AgendaEntryRow.session_id).where(
                    AgendaEntryRow.registration_id == registration_id
                )
            )
            return set(rows)

    registered = attendee_registered(
        registration_id=registration_id, agenda=[AgendaEntry(session_id=first)]
    )
    await _register(runtime, mailer, registered)  # inserted: no lookup, no old agenda
    assert await index() == {first}
    newer = attendee_registered(
        registration_id=registration_id, version=2, agenda=[AgendaEntry(session_id=second)]
    )
    await _register(runtime, mailer, newer)  # merged, old agenda replaced
    assert await index() == {second}
    async with runtime.session_factory() as session:
        attendee = await repository.get_attendee(session, registration_id)
    assert attendee is not None and attendee.version == 2


async def test_an_older_registration_after_a_newer_one_changes_nothing(
    runtime: ServiceRuntime, mailer: Mailer
) -> None:
    await _apply_forum(runtime, 1, "ПромЭнергоVolga 2026")
    registration_id, kept, stale = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    newer = attendee_registered(
        registration_id=registration_id,
        version=3,
        full_name="Новое Имя",
        agenda=[AgendaEntry(session_id=kept)],
    )
    await _register(runtime, mailer, newer)
    older = attendee_registered(
        registration_id=registration_id,
        version=2,
        full_name="Старое Имя",
        agenda=[AgendaEntry(session_id=stale)],
    )
    await _register(runtime, mailer, older)  # held already: looked up, found not newer
    async with runtime.session_factory() as session:
        attendee = await repository.get_attendee(session, registration_id)
        index = set(
            await session.scalars(
                select(AgendaEntryRow.session_id).where(
                    AgendaEntryRow.registration_id == registration_id
                )
            )
        )
    assert attendee is not None
    assert (attendee.version, attendee.full_name) == (3, "Новое Имя")
    assert index == {kept}
