"""Use cases for what happens to a registration after it is made.

Each event is applied to the attendee replica only if its version is newer than the one
held; a stale event changes nothing and mails nobody (a late "approved" must not follow a
"cancelled"). An event about an attendee whose `registered` event has not arrived yet is
retried later rather than dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.registration import (
    AgendaChanged,
    AttendeeApproved,
    AttendeeCancelled,
    AttendeeErased,
    AttendeeEvent,
    AttendeePromoted,
    AttendeeRejected,
    AttendeeUpdated,
    ManageLinkRequested,
)
from forum_shared.db import UnitOfWork

from forum_notifications import repository
from forum_notifications.domain import AttendeeView, Template, is_newer
from forum_notifications.repository import former_holders
from forum_notifications.use_cases import Mailer, queue_registration_email, require_forum


class AttendeeNotKnownYetError(Exception):
    """The attendee's `registered` event has not been processed yet; retry later."""


Change = Callable[[AttendeeView], AttendeeView]


async def apply_change(
    uow: UnitOfWork,
    envelope: EventEnvelope,
    data: AttendeeEvent,
    change: Change,
    *,
    mailer: Mailer,
    template: Template | None = None,
    extra: dict[str, Any] | None = None,
) -> AttendeeView | None:
    """Apply a newer change to the replica and queue its email; None if the event is stale."""
    stored = await repository.get_attendee(uow.session, data.registration_id)
    if stored is None:
        raise AttendeeNotKnownYetError(f"registration {data.registration_id} not replicated yet")
    if not is_newer(data.version, stored.version):
        return None
    updated = replace(change(stored), version=data.version)
    await repository.put_attendee(uow.session, updated)
    if template is not None:
        forum = await require_forum(uow, updated.forum_code)
        await queue_registration_email(
            uow, envelope, forum, updated, template, mailer=mailer, extra=extra
        )
    return updated


async def on_approved(
    uow: UnitOfWork, env: EventEnvelope, data: AttendeeApproved, m: Mailer
) -> None:
    template = Template.WAITLISTED if data.status.value == "waitlisted" else Template.APPROVED
    await apply_change(
        uow, env, data, lambda a: replace(a, status=data.status.value), mailer=m, template=template
    )


async def on_rejected(
    uow: UnitOfWork, env: EventEnvelope, data: AttendeeRejected, m: Mailer
) -> None:
    await apply_change(
        uow,
        env,
        data,
        lambda a: replace(a, status="rejected"),
        mailer=m,
        template=Template.REJECTED,
        extra={"reason": data.reason},
    )


async def on_cancelled(
    uow: UnitOfWork, env: EventEnvelope, data: AttendeeCancelled, m: Mailer
) -> None:
    await apply_change(
        uow,
        env,
        data,
        lambda a: replace(a, status="cancelled"),
        mailer=m,
        template=Template.CANCELLED,
        extra={"by_organizer": data.by_organizer},
    )


async def on_promoted(
    uow: UnitOfWork, env: EventEnvelope, data: AttendeePromoted, m: Mailer
) -> None:
    await apply_change(
        uow,
        env,
        data,
        lambda a: replace(a, status="confirmed"),
        mailer=m,
        template=Template.PROMOTED,
    )


async def on_agenda_changed(
    uow: UnitOfWork, env: EventEnvelope, data: AgendaChanged, m: Mailer
) -> None:
    """Keep the agenda (the digest fan-out reads it); a seat freed in a session is news.

    A session that an event (a cancellation) took out of the agenda is remembered with that
    event, so the release carrying it still mails this attendee however the two race here:
    also when this change arrives after a newer one (stale for the replica, which the newer
    agenda already shows without the session). Sessions the attendee dropped themselves
    have no cause and are not remembered.
    """
    agenda = [entry.model_dump(mode="json") for entry in data.agenda]
    removed: set[uuid.UUID] = set()

    def change(attendee: AttendeeView) -> AttendeeView:
        removed.update(_session_ids(attendee.agenda) - _session_ids(agenda))
        return replace(attendee, agenda=agenda)

    updated = await apply_change(
        uow,
        env,
        data,
        change,
        mailer=m,
        template=Template.SESSION_PROMOTED if data.promoted else None,
        extra={"promoted_ids": [str(session_id) for session_id in data.promoted]},
    )
    # Events from before `cancelled` existed name the session only by its absence.
    lost = set(data.cancelled) | (removed if updated is not None else set())
    if env.causation_id is not None and lost:
        await former_holders.remember(
            uow.session, env.causation_id, data.registration_id, lost, now=datetime.now(UTC)
        )


def _session_ids(agenda: list[dict[str, Any]]) -> set[uuid.UUID]:
    return {uuid.UUID(str(entry["session_id"])) for entry in agenda}


async def on_updated(uow: UnitOfWork, env: EventEnvelope, data: AttendeeUpdated, m: Mailer) -> None:
    def change(a: AttendeeView) -> AttendeeView:
        return replace(
            a,
            full_name=data.full_name or a.full_name,
            email=data.email or a.email,
            locale=data.locale if data.locale in ("ru", "en") else a.locale,
        )

    await apply_change(uow, env, data, change, mailer=m)


async def on_link_requested(
    uow: UnitOfWork, env: EventEnvelope, data: ManageLinkRequested, m: Mailer
) -> None:
    await apply_change(
        uow,
        env,
        data,
        lambda a: replace(a, link_generation=data.link_generation),
        mailer=m,
        template=Template.MANAGE_LINK,
    )


async def on_erased(uow: UnitOfWork, env: EventEnvelope, data: AttendeeErased, m: Mailer) -> None:
    """Forget the person: the replica row, the agenda index, and their emails' contents."""
    await repository.forget_attendee(uow.session, data.registration_id)
    await former_holders.forget_attendee(uow.session, data.registration_id)
    await repository.scrub_recipient(uow.session, data.registration_id)
