"""All SQL of the notifications service. Repositories read and write; they never commit."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.domain import (
    AttendeeView,
    EmailStatus,
    ForumView,
    NewEmail,
    OutgoingEmail,
)
from forum_notifications.models import AttendeeRow, EmailRow, ForumRow


async def get_forum(session: AsyncSession, code: str) -> ForumView | None:
    row = await session.get(ForumRow, code)
    if row is None:
        return None
    return ForumView(
        code=row.code,
        title=row.title,
        venue=row.venue,
        address=row.address,
        timezone=row.timezone,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        version=row.version,
    )


async def forum_version(session: AsyncSession, code: str) -> int | None:
    found: int | None = await session.scalar(select(ForumRow.version).where(ForumRow.code == code))
    return found


async def put_forum(session: AsyncSession, forum: ForumView) -> None:
    await session.merge(ForumRow(**dataclasses.asdict(forum)))


async def get_attendee(session: AsyncSession, registration_id: uuid.UUID) -> AttendeeView | None:
    row = await session.get(AttendeeRow, registration_id)
    if row is None:
        return None
    return AttendeeView(
        registration_id=row.registration_id,
        forum_code=row.forum_code,
        full_name=row.full_name,
        email=row.email,
        locale=row.locale,
        category=row.category,
        status=row.status,
        agenda=list(row.agenda or []),
        link_generation=row.link_generation,
        version=row.version,
    )


async def put_attendee(session: AsyncSession, attendee: AttendeeView) -> None:
    await session.merge(AttendeeRow(**dataclasses.asdict(attendee)))


async def email_exists(
    session: AsyncSession, source_event_id: uuid.UUID, recipient_id: uuid.UUID, template: str
) -> bool:
    found = await session.scalar(
        select(EmailRow.id).where(
            EmailRow.source_event_id == source_event_id,
            EmailRow.recipient_id == recipient_id,
            EmailRow.template == template,
        )
    )
    return found is not None


def add_email(session: AsyncSession, email: NewEmail, *, now: datetime) -> None:
    session.add(
        EmailRow(
            id=uuid.uuid4(),
            source_event_id=email.source_event_id,
            recipient_id=email.recipient_id,
            template=email.template,
            forum_code=email.forum_code,
            correlation_id=email.correlation_id,
            to_name=email.to_name,
            to_email=email.to_email,
            locale=email.locale,
            subject=email.content.subject,
            text_body=email.content.text,
            html_body=email.content.html,
            message_id=email.message_id,
            status=EmailStatus.QUEUED,
            attempts=0,
            next_attempt_at=now,
        )
    )


async def claim_due(
    session: AsyncSession, *, now: datetime, lease_until: datetime, token: uuid.UUID, limit: int
) -> list[OutgoingEmail]:
    """Lease due queued rows to one sender; `SKIP LOCKED` lets replicas share the work.

    The lease (a later `next_attempt_at` and our `claim_token`) hands a row back to any sender
    if this one dies mid-send; SQLite ignores the row lock (one sender per SQLite file).
    """
    rows = (
        await session.scalars(
            select(EmailRow)
            .where(EmailRow.status == EmailStatus.QUEUED, EmailRow.next_attempt_at <= now)
            .order_by(EmailRow.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        row.claim_token = token
        row.next_attempt_at = lease_until
    return [
        OutgoingEmail(
            id=row.id,
            source_event_id=row.source_event_id,
            recipient_id=row.recipient_id,
            template=row.template,
            forum_code=row.forum_code,
            correlation_id=row.correlation_id,
            to_name=row.to_name,
            to_email=row.to_email,
            subject=row.subject,
            text_body=row.text_body,
            html_body=row.html_body,
            message_id=row.message_id,
            attempts=row.attempts,
        )
        for row in rows
    ]


async def _settle(
    session: AsyncSession, email_id: uuid.UUID, token: uuid.UUID, **values: object
) -> bool:
    """Update a row only while our lease holds; False if another sender took it over."""
    result = await session.execute(
        update(EmailRow)
        .where(
            EmailRow.id == email_id,
            EmailRow.claim_token == token,
            EmailRow.status == EmailStatus.QUEUED,
        )
        .values(claim_token=None, **values)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_sent(
    session: AsyncSession, email_id: uuid.UUID, token: uuid.UUID, *, attempts: int, now: datetime
) -> bool:
    return await _settle(
        session, email_id, token, status=EmailStatus.SENT, sent_at=now, attempts=attempts
    )


async def mark_failed(
    session: AsyncSession,
    email_id: uuid.UUID,
    token: uuid.UUID,
    *,
    attempts: int,
    reason: str,
    now: datetime,
) -> bool:
    return await _settle(
        session,
        email_id,
        token,
        status=EmailStatus.FAILED,
        failed_at=now,
        attempts=attempts,
        last_error=reason,
    )


async def reschedule(
    session: AsyncSession,
    email_id: uuid.UUID,
    token: uuid.UUID,
    *,
    attempts: int,
    reason: str,
    next_attempt_at: datetime,
) -> bool:
    return await _settle(
        session,
        email_id,
        token,
        attempts=attempts,
        last_error=reason,
        next_attempt_at=next_attempt_at,
    )
