"""Message handlers: thin translators from a decoded event to one use case.

They never commit; the consumer wrapper records the inbox row and commits once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from forum_shared.contracts import EventData, EventEnvelope
from forum_shared.contracts.registration import (
    AgendaChanged,
    AttendeeApproved,
    AttendeeCancelled,
    AttendeeErased,
    AttendeePromoted,
    AttendeeRegistered,
    AttendeeRejected,
    AttendeeUpdated,
    ManageLinkRequested,
)
from forum_shared.contracts.schedule import (
    ForumUpdated,
    HallUpdated,
    ReleasePublished,
    SessionChanged,
    SpeakerUpdated,
)
from forum_shared.db import UnitOfWork
from forum_shared.messaging.consumer import Handler

from forum_notifications import lifecycle, schedule_use_cases, use_cases
from forum_notifications.use_cases import Mailer


def schedule_handlers() -> dict[str, Handler]:
    async def on_forum_updated(_env: EventEnvelope, data: EventData, uow: UnitOfWork) -> None:
        assert isinstance(data, ForumUpdated)
        await use_cases.update_forum(uow, data)

    async def on_hall_updated(envelope: EventEnvelope, data: EventData, uow: UnitOfWork) -> None:
        assert isinstance(data, HallUpdated)
        await schedule_use_cases.update_hall(uow, envelope, data)

    async def on_speaker_updated(envelope: EventEnvelope, data: EventData, uow: UnitOfWork) -> None:
        assert isinstance(data, SpeakerUpdated)
        await schedule_use_cases.update_speaker(uow, envelope, data)

    async def on_session_changed(envelope: EventEnvelope, data: EventData, uow: UnitOfWork) -> None:
        assert isinstance(data, SessionChanged)
        await schedule_use_cases.record_session_change(uow, envelope, data)

    async def on_release_published(
        envelope: EventEnvelope, data: EventData, uow: UnitOfWork
    ) -> None:
        assert isinstance(data, ReleasePublished)
        await schedule_use_cases.record_release(uow, envelope, data)

    return {
        ForumUpdated.event_type: on_forum_updated,
        HallUpdated.event_type: on_hall_updated,
        SpeakerUpdated.event_type: on_speaker_updated,
        SessionChanged.event_type: on_session_changed,
        ReleasePublished.event_type: on_release_published,
    }


def registration_handlers(mailer: Mailer) -> dict[str, Handler]:
    async def on_attendee_registered(
        envelope: EventEnvelope, data: EventData, uow: UnitOfWork
    ) -> None:
        assert isinstance(data, AttendeeRegistered)
        await use_cases.register_attendee(uow, envelope, data, mailer=mailer)

    def bind(use_case: Callable[..., Awaitable[None]]) -> Handler:
        async def handle(envelope: EventEnvelope, data: EventData, uow: UnitOfWork) -> None:
            await use_case(uow, envelope, data, mailer)

        return handle

    return {
        AttendeeRegistered.event_type: on_attendee_registered,
        AttendeeApproved.event_type: bind(lifecycle.on_approved),
        AttendeeRejected.event_type: bind(lifecycle.on_rejected),
        AttendeeCancelled.event_type: bind(lifecycle.on_cancelled),
        AttendeePromoted.event_type: bind(lifecycle.on_promoted),
        AgendaChanged.event_type: bind(lifecycle.on_agenda_changed),
        AttendeeUpdated.event_type: bind(lifecycle.on_updated),
        ManageLinkRequested.event_type: bind(lifecycle.on_link_requested),
        AttendeeErased.event_type: bind(lifecycle.on_erased),
    }
