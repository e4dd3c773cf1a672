"""The email log: queued rows, leases, and how each row ends (sent or failed)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from forum_shared.tracing import current_carrier
from sqlalchemy import Insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.domain import (
    Attachment,
    EmailStatus,
    NewEmail,
    OutgoingEmail,
    RenderedEmail,
)
from forum_notifications.models import Base, EmailRow

_EMAILS = Base.metadata.tables[EmailRow.__tablename__]


def _email_if_new(dialect: str) -> Insert:
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        make_insert(_EMAILS)
        .on_conflict_do_nothing(index_elements=["source_event_id", "recipient_id", "template"])
        .returning(_EMAILS.c.id)
    )


# Built once: the values go in as parameters, so the statement's cache key is not re-derived
# from a dozen values for every email.
_EMAIL_IF_NEW = {dialect: _email_if_new(dialect) for dialect in ("postgresql", "sqlite")}


async def add_email(session: AsyncSession, email: NewEmail, *, now: datetime) -> bool:
    """Queue a rendered email; False (and nothing written) if its reason is already queued.

    One statement: the unique (source event, recipient, template) index answers "already
    queued?" instead of a lookup before the insert.
    """
    connection = await session.connection()
    values = {
        "id": uuid.uuid4(),
        "source_event_id": email.source_event_id,
        "recipient_id": email.recipient_id,
        "template": email.template,
        "forum_code": email.forum_code,
        "correlation_id": email.correlation_id,
        "to_name": email.to_name,
        "to_email": email.to_email,
        "locale": email.locale,
        "subject": email.content.subject,
        "text_body": email.content.text,
        "html_body": email.content.html,
        "attachments": [_attachment_json(a) for a in email.content.attachments],
        "message_id": email.message_id,
        "status": EmailStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "trace_context": json.dumps(carrier) if (carrier := current_carrier()) else None,
    }
    result = await connection.execute(_EMAIL_IF_NEW[connection.dialect.name], values)
    return result.first() is not None


async def add_emails(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk-queue emails rendered later (fan-out): one executemany, no ORM objects.

    A row whose (source event, recipient, template) is already queued is skipped, so two
    replicas planning the same thing at once both succeed and queue it once.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = make_insert(EmailRow).on_conflict_do_nothing(
        index_elements=["source_event_id", "recipient_id", "template"]
    )
    await session.execute(statement, list(rows))


async def claim_due(
    session: AsyncSession, *, now: datetime, lease_until: datetime, token: uuid.UUID, limit: int
) -> list[EmailRow]:
    """Lease due queued rows to one sender; `SKIP LOCKED` lets replicas share the work.

    The lease (a later `next_attempt_at` and our `claim_token`) hands a row back to any sender
    if this one dies mid-send; SQLite ignores the row lock (one sender per SQLite file).
    One statement picks, locks and leases the rows and returns them (an UPDATE of the rows
    a locking subquery picks), where a SELECT and then an UPDATE of each row took two round
    trips: while the sender keeps up, a batch is often a single email.
    """
    due = (
        select(EmailRow.id)
        .where(EmailRow.status == EmailStatus.QUEUED, EmailRow.next_attempt_at <= now)
        .order_by(EmailRow.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    leased = await session.scalars(
        update(EmailRow)
        .where(EmailRow.id.in_(due.scalar_subquery()))
        .values(claim_token=token, next_attempt_at=lease_until)
        .returning(EmailRow)
        .execution_options(synchronize_session=False)
    )
    # RETURNING keeps no order: send in the order the rows were queued.
    return sorted(leased.all(), key=lambda row: (row.created_at, row.id))


def fill_content(row: EmailRow, content: RenderedEmail) -> None:
    row.subject = content.subject
    row.text_body = content.text
    row.html_body = content.html
    row.attachments = [_attachment_json(a) for a in content.attachments]


def fail_leased(row: EmailRow, *, reason: str, now: datetime) -> None:
    """Fail a row this sender holds in the current transaction (it could not be rendered)."""
    row.status = EmailStatus.FAILED
    row.failed_at = now
    row.attempts += 1
    row.last_error = reason
    row.claim_token = None


def to_outgoing(row: EmailRow) -> OutgoingEmail:
    return OutgoingEmail(
        id=row.id,
        source_event_id=row.source_event_id,
        recipient_id=row.recipient_id,
        template=row.template,
        forum_code=row.forum_code,
        correlation_id=row.correlation_id,
        to_name=row.to_name,
        to_email=row.to_email,
        subject=row.subject or "",
        text_body=row.text_body or "",
        html_body=row.html_body or "",
        message_id=row.message_id,
        attempts=row.attempts,
        attachments=tuple(_attachment(a) for a in row.attachments or []),
        unsubscribe_url=(row.payload or {}).get("unsubscribe_url"),
        trace_context=row.trace_context,
    )


def _attachment_json(attachment: Attachment) -> dict[str, str]:
    return {
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "data": base64.b64encode(attachment.data).decode(),
        "cid": attachment.cid or "",
    }


def _attachment(data: dict[str, str]) -> Attachment:
    return Attachment(
        filename=data["filename"],
        content_type=data["content_type"],
        data=base64.b64decode(data["data"]),
        cid=data.get("cid") or None,
    )


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
    session: AsyncSession, email_ids: Sequence[uuid.UUID], token: uuid.UUID, *, now: datetime
) -> set[uuid.UUID]:
    """Mark emails of one lease sent, in one statement; return those whose lease still held.

    `attempts + 1` in SQL equals the claimed row's count plus one: nobody else writes a row
    while our lease holds it.
    """
    result = await session.execute(
        update(EmailRow)
        .where(
            EmailRow.id.in_(list(email_ids)),
            EmailRow.claim_token == token,
            EmailRow.status == EmailStatus.QUEUED,
        )
        .values(
            claim_token=None, status=EmailStatus.SENT, sent_at=now, attempts=EmailRow.attempts + 1
        )
        .returning(EmailRow.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


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


async def scrub_recipient(session: AsyncSession, recipient_id: uuid.UUID) -> None:
    """Erasure: keep the delivery record, drop the person's data; unsent mail is not sent."""
    await session.execute(
        update(EmailRow)
        .where(EmailRow.recipient_id == recipient_id, EmailRow.status == EmailStatus.QUEUED)
        .values(status=EmailStatus.FAILED, last_error="recipient erased", claim_token=None)
    )
    await session.execute(
        update(EmailRow)
        .where(EmailRow.recipient_id == recipient_id)
        .values(
            to_name="",
            to_email="",
            subject=None,
            text_body=None,
            html_body=None,
            attachments=[],
            payload=None,
        )
    )


async def search(
    session: AsyncSession,
    *,
    recipient_id: uuid.UUID | None,
    status: str | None,
    source_event_id: uuid.UUID | None,
    limit: int,
) -> Sequence[EmailRow]:
    query = select(EmailRow).order_by(EmailRow.created_at.desc(), EmailRow.id).limit(limit)
    if recipient_id is not None:
        query = query.where(EmailRow.recipient_id == recipient_id)
    if status is not None:
        query = query.where(EmailRow.status == status)
    if source_event_id is not None:
        query = query.where(EmailRow.source_event_id == source_event_id)
    return (await session.scalars(query)).all()


async def requeue(session: AsyncSession, email_id: uuid.UUID) -> EmailRow | None:
    """An operator's resend: queued again now, attempts from zero, same Message-ID."""
    row = await session.get(EmailRow, email_id, with_for_update=True)
    if row is None or not row.to_email:
        return None
    row.status = EmailStatus.QUEUED
    row.attempts = 0
    row.next_attempt_at = datetime.now(UTC)
    row.claim_token = None
    row.last_error = "resent by an operator"
    return row


async def release_leases(
    session: AsyncSession, tokens: Iterable[uuid.UUID], *, now: datetime
) -> None:
    await session.execute(
        update(EmailRow)
        .where(EmailRow.claim_token.in_(list(tokens)), EmailRow.status == EmailStatus.QUEUED)
        .values(claim_token=None, next_attempt_at=now)
    )
