"""Use cases of the notifications service: keep replicas, decide and queue emails.

They run inside the consumer's unit of work and never commit: the inbox record, the replica
rows and the queued email rows commit together, so a redelivered event has no second effect.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.registration import AttendeeRegistered
from forum_shared.contracts.schedule import ForumUpdated
from forum_shared.db import UnitOfWork
from forum_shared.links import badge_code, manage_token, manage_url
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications import repository
from forum_notifications.composing import registration_context
from forum_notifications.domain import (
    Attachment,
    AttendeeView,
    ForumView,
    NewEmail,
    Template,
    is_newer,
    message_id,
    pick_locale,
    registration_template,
    sender_domain,
)
from forum_notifications.extras import (
    BADGE_CID,
    agenda_items,
    badge_image,
    forum_calendar,
)
from forum_notifications.rendering import Renderer
from forum_notifications.repository import programme

# Emails that confirm a place at the forum carry the QR badge and the calendar file.
ADMITTED = (Template.CONFIRMATION, Template.APPROVED, Template.PROMOTED, Template.REMINDER)


class ForumNotKnownYetError(Exception):
    """The forum's own event has not arrived yet; retrying later will find it."""


@dataclass(frozen=True)
class Mailer:
    """What composing an email needs besides the replicas."""

    renderer: Renderer
    secret_key: str
    public_url: str
    mail_from: str
    # Called once a transaction that queued an email has committed: wakes the sender, so a
    # confirmation does not wait for its next poll.
    queued: Callable[[], None] = field(default=lambda: None)

    def manage_link(self, registration_id: uuid.UUID, generation: int) -> str:
        token = manage_token(self.secret_key, registration_id, generation)
        return manage_url(self.public_url, registration_id, token)


@dataclass(frozen=True)
class Recipient:
    id: uuid.UUID
    name: str
    email: str
    locale: str


async def update_forum(uow: UnitOfWork, data: ForumUpdated) -> bool:
    """Keep the forum replica; an older version than the one held is ignored."""
    if not is_newer(data.version, await repository.forum_version(uow.session, data.code)):
        return False
    await repository.put_forum(
        uow.session,
        ForumView(
            code=data.code,
            title=data.title.model_dump(),
            venue=data.venue.model_dump(),
            address=data.address.model_dump() if data.address else None,
            timezone=data.timezone,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            version=data.version,
        ),
    )
    return True


async def require_forum(uow: UnitOfWork, code: str) -> ForumView:
    forum = await repository.get_forum(uow.session, code)
    if forum is None:
        raise ForumNotKnownYetError(f"forum {code!r} not in the replica yet")
    return forum


async def keep_held_attendee(uow: UnitOfWork, attendee: AttendeeView) -> None:
    """An attendee the replica holds already: replaced only by a newer version."""
    stored = await repository.get_attendee(uow.session, attendee.registration_id)
    if is_newer(attendee.version, stored.version if stored else None):
        await repository.put_attendee(uow.session, attendee)


async def register_attendee(
    uow: UnitOfWork, envelope: EventEnvelope, data: AttendeeRegistered, *, mailer: Mailer
) -> None:
    """Keep the attendee and queue the email their registration status calls for."""
    attendee = AttendeeView(
        registration_id=data.registration_id,
        forum_code=envelope.forum,
        full_name=data.full_name,
        email=data.email,
        locale=pick_locale(data.locale),
        category=data.category.value,
        status=data.status.value,
        agenda=[entry.model_dump(mode="json") for entry in data.agenda],
        link_generation=data.link_generation,
        version=data.version,
    )
    # A registration is nearly always the first event about its attendee: one statement
    # reads the forum and inserts them (raising below rolls the insert back).
    forum, new = await repository.forum_and_new_attendee(uow.session, envelope.forum, attendee)
    if forum is None:
        raise ForumNotKnownYetError(f"forum {envelope.forum!r} not in the replica yet")
    if not new:
        await keep_held_attendee(uow, attendee)
    template = registration_template(attendee.status)
    if template is not None:
        await queue_registration_email(uow, envelope, forum, attendee, template, mailer=mailer)


async def queue_registration_email(
    uow: UnitOfWork,
    envelope: EventEnvelope,
    forum: ForumView,
    attendee: AttendeeView,
    template: Template,
    *,
    mailer: Mailer,
    extra: dict[str, Any] | None = None,
) -> bool:
    """Queue an email about the registration itself, rendered now."""
    context, attachments = await registration_email(
        uow.session, forum, attendee, template, mailer=mailer, extra=extra
    )
    recipient = Recipient(
        attendee.registration_id, attendee.full_name, attendee.email, attendee.locale
    )
    return await queue_email(
        uow, envelope, recipient, template, context, mailer=mailer, attachments=attachments
    )


async def registration_email(
    session: AsyncSession,
    forum: ForumView,
    attendee: AttendeeView,
    template: Template,
    *,
    mailer: Mailer,
    extra: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], tuple[Attachment, ...]]:
    """Context and files of a registration email: forum facts, agenda, link; badge if admitted."""
    ids = [uuid.UUID(str(entry["session_id"])) for entry in attendee.agenda]
    sessions = await programme.sessions_by_id(session, ids) if ids else {}
    agenda = agenda_items(attendee, sessions, forum.timezone)
    link = mailer.manage_link(attendee.registration_id, attendee.link_generation)
    attachments: tuple[Attachment, ...] = ()
    if template in ADMITTED:
        badge = badge_image(badge_code(mailer.secret_key, attendee.registration_id))
        domain = sender_domain(mailer.mail_from)
        attachments = (badge, forum_calendar(forum, attendee, agenda, domain))
    context = registration_context(
        forum,
        attendee,
        manage_url=link,
        agenda=agenda,
        badge_cid=BADGE_CID if attachments else None,
    ) | (extra or {})
    return context, attachments


async def queue_email(
    uow: UnitOfWork,
    envelope: EventEnvelope,
    recipient: Recipient,
    template: str,
    context: dict[str, Any],
    *,
    mailer: Mailer,
    attachments: tuple[Attachment, ...] = (),
) -> bool:
    """Render and queue one email per (source event, recipient, template); False if queued."""
    content = mailer.renderer.render(template, recipient.locale, context)
    content = replace(content, attachments=attachments)
    queued = await repository.add_email(
        uow.session,
        NewEmail(
            source_event_id=envelope.event_id,
            recipient_id=recipient.id,
            template=template,
            forum_code=envelope.forum,
            correlation_id=envelope.correlation_id,
            to_name=recipient.name,
            to_email=recipient.email,
            locale=recipient.locale,
            content=content,
            message_id=message_id(envelope.event_id, recipient.id, template, mailer.mail_from),
        ),
        now=datetime.now(UTC),
    )
    if queued:
        uow.after_commit(mailer.queued)
    return queued
