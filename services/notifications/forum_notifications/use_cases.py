"""Use cases of the notifications service: keep replicas, decide and queue emails.

They run inside the consumer's unit of work and never commit: the inbox record, the replica
rows and the queued email rows commit together, so a redelivered event has no second effect.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.registration import AttendeeRegistered
from forum_shared.contracts.schedule import ForumUpdated
from forum_shared.db import UnitOfWork
from forum_shared.links import manage_token, manage_url

from forum_notifications import repository
from forum_notifications.composing import registration_context
from forum_notifications.domain import (
    AttendeeView,
    ForumView,
    NewEmail,
    is_newer,
    message_id,
    pick_locale,
    registration_template,
)
from forum_notifications.rendering import Renderer


class ForumNotKnownYetError(Exception):
    """The forum's own event has not arrived yet; retrying later will find it."""


@dataclass(frozen=True)
class Mailer:
    """What composing an email needs besides the replicas."""

    renderer: Renderer
    secret_key: str
    public_url: str
    mail_from: str

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


async def keep_attendee(uow: UnitOfWork, attendee: AttendeeView) -> None:
    stored = await repository.get_attendee(uow.session, attendee.registration_id)
    if is_newer(attendee.version, stored.version if stored else None):
        await repository.put_attendee(uow.session, attendee)


async def register_attendee(
    uow: UnitOfWork, envelope: EventEnvelope, data: AttendeeRegistered, *, mailer: Mailer
) -> None:
    """Keep the attendee and queue the email their registration status calls for."""
    forum = await require_forum(uow, envelope.forum)
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
    await keep_attendee(uow, attendee)
    template = registration_template(attendee.status)
    if template is None:
        return
    link = mailer.manage_link(attendee.registration_id, attendee.link_generation)
    await queue_email(
        uow,
        envelope,
        Recipient(attendee.registration_id, attendee.full_name, attendee.email, attendee.locale),
        template,
        registration_context(forum, attendee, manage_url=link),
        mailer=mailer,
    )


async def queue_email(
    uow: UnitOfWork,
    envelope: EventEnvelope,
    recipient: Recipient,
    template: str,
    context: dict[str, Any],
    *,
    mailer: Mailer,
) -> bool:
    """Render and queue one email per (source event, recipient, template); False if queued."""
    if await repository.email_exists(uow.session, envelope.event_id, recipient.id, template):
        return False
    content = mailer.renderer.render(template, recipient.locale, context)
    repository.add_email(
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
    return True
