"""Registration lifecycle events: newer versions update the replica and mail; stale ones don't."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from forum_notifications import repository
from forum_notifications.lifecycle import AttendeeNotKnownYetError
from forum_notifications.models import EmailRow
from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.common import RegistrationStatus
from forum_shared.contracts.registration import (
    AgendaChanged,
    AgendaEntry,
    AttendeeApproved,
    AttendeeCancelled,
    AttendeeErased,
    AttendeeRejected,
    AttendeeUpdated,
    ManageLinkRequested,
)
from forum_shared.service import ServiceRuntime
from sqlalchemy import select

from tests.notifications.factories import FORUM, attendee_registered, forum_updated
from tests.notifications.programme_factories import Scenario

Feed = Callable[..., Awaitable[None]]


def event(data: Any) -> EventEnvelope:
    return EventEnvelope.wrap(data, producer="registration", forum=FORUM)


async def emails(runtime: ServiceRuntime) -> list[EmailRow]:
    async with runtime.session_factory() as session:
        found = await session.scalars(select(EmailRow).order_by(EmailRow.created_at))
        return list(found.all())


@pytest.fixture
async def registered(feed: Feed) -> uuid.UUID:
    registration_id = uuid.uuid4()
    await feed(
        forum_updated(),
        attendee_registered(
            registration_id=registration_id, status=RegistrationStatus.PENDING_APPROVAL
        ),
    )
    return registration_id


async def test_approval_mails_the_approved_email_with_badge(
    runtime: ServiceRuntime, feed: Feed, registered: uuid.UUID
) -> None:
    approved = AttendeeApproved(
        registration_id=registered, version=2, status=RegistrationStatus.CONFIRMED
    )
    await feed(event(approved))
    templates = [(row.template, len(row.attachments)) for row in await emails(runtime)]
    assert templates == [("pending_approval", 0), ("approved", 2)]


async def test_a_stale_event_changes_nothing_and_mails_nobody(
    runtime: ServiceRuntime, feed: Feed, registered: uuid.UUID
) -> None:
    await feed(event(AttendeeCancelled(registration_id=registered, version=3)))
    late = AttendeeApproved(
        registration_id=registered, version=2, status=RegistrationStatus.CONFIRMED
    )
    await feed(event(late))
    assert [row.template for row in await emails(runtime)] == ["pending_approval", "cancelled"]
    async with runtime.session_factory() as session:
        attendee = await repository.get_attendee(session, registered)
    assert attendee is not None and attendee.status == "cancelled" and attendee.version == 3


async def test_an_event_before_registration_is_retried(feed: Feed) -> None:
    await feed(forum_updated())
    with pytest.raises(AttendeeNotKnownYetError):
        await feed(event(AttendeeRejected(registration_id=uuid.uuid4(), version=2)))


async def test_rejection_reason_and_new_link(
    runtime: ServiceRuntime, feed: Feed, registered: uuid.UUID
) -> None:
    await feed(
        event(AttendeeRejected(registration_id=registered, version=2, reason="нет аккредитации")),
        event(ManageLinkRequested(registration_id=registered, version=3, link_generation=2)),
    )
    _, rejected, link = await emails(runtime)
    assert "Причина: нет аккредитации" in (rejected.text_body or "")
    assert link.template == "manage_link"
    assert f"/manage/{registered}?token=" in (link.text_body or "")
    assert (link.text_body or "") != ""


async def test_agenda_promotion_mails_and_the_digest_index_follows(
    runtime: ServiceRuntime, feed: Feed, registered: uuid.UUID
) -> None:
    world = Scenario()
    await feed(*world.session_events())
    agenda = [AgendaEntry(session_id=world.s1), AgendaEntry(session_id=world.s2)]
    await feed(
        event(
            AgendaChanged(registration_id=registered, version=2, agenda=agenda, promoted=[world.s2])
        )
    )
    last = (await emails(runtime))[-1]
    assert last.template == "session_promoted"
    assert "Умные сети" in (last.text_body or "")
    assert "Энергетика будущего" not in (last.text_body or "")
    async with runtime.session_factory() as session:
        attendee = await repository.get_attendee(session, registered)
    assert attendee is not None and len(attendee.agenda) == 2


async def test_contact_update_is_silent_and_erasure_forgets(
    runtime: ServiceRuntime, feed: Feed, registered: uuid.UUID
) -> None:
    await feed(event(AttendeeUpdated(registration_id=registered, version=2, locale="en")))
    assert len(await emails(runtime)) == 1
    await feed(event(AttendeeErased(registration_id=registered, version=3)))
    async with runtime.session_factory() as session:
        assert await repository.get_attendee(session, registered) is None
    [row] = await emails(runtime)
    assert row.to_email == "" and row.text_body is None and row.status == "failed"
