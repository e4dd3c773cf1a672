"""The reminder the day before the forum, at a configurable local hour, once per attendee.

A background loop looks at each forum in the replica. From `hour` o'clock (forum time) on the
eve of the first day until the forum starts, every confirmed attendee without a reminder for
that date gets one queued — so someone who registers that evening still gets it. The reminder's
"source event" is a fixed id per forum and first day: the unique key of the email log makes it
once per attendee even with several replicas running, and a moved forum gets a new reminder.
Rendering happens when a sender leases the row, from the attendee as they are then: a person
who cancelled in the meantime gets nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from forum_shared.db import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications import repository
from forum_notifications.delivery import Prepare
from forum_notifications.domain import EmailStatus, RenderedEmail, Template, message_id
from forum_notifications.models import EmailRow
from forum_notifications.preferences import email_key, unsubscribe_url
from forum_notifications.rendering import RenderError
from forum_notifications.repository import preferences
from forum_notifications.use_cases import Mailer, registration_email

log = logging.getLogger(__name__)
REMINDER_NAMESPACE = uuid.UUID("0b6c1c1e-6a53-4f7e-9f0f-4d2b8f6a1e01")


def reminder_window(starts_on: date, timezone: str, hour: int) -> tuple[datetime, datetime]:
    """From `hour` o'clock on the eve of the first day to the first day's midnight (local)."""
    zone = ZoneInfo(timezone)
    opens = datetime.combine(starts_on - timedelta(days=1), time(hour), zone)
    return opens, datetime.combine(starts_on, time(0), zone)


def reminder_source(forum_code: str, starts_on: date) -> uuid.UUID:
    return uuid.uuid5(REMINDER_NAMESPACE, f"{forum_code}:{starts_on.isoformat()}")


class ReminderScheduler:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        mail_from: str,
        hour: int = 10,
        poll_interval_s: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._uow = uow_factory
        self._mail_from = mail_from
        self._hour = hour
        self._poll_interval_s = poll_interval_s
        self._clock = clock

    async def run(self) -> None:
        while True:
            try:
                await self.queue_due()
            except Exception:
                log.exception("reminder scheduling failed; retrying")
            await asyncio.sleep(self._poll_interval_s)

    async def queue_due(self) -> int:
        """Queue reminders for every forum whose window is open now; return how many."""
        now = self._clock()
        queued = 0
        async with self._uow() as uow:
            for forum in await repository.all_forums(uow.session):
                opens, closes = reminder_window(forum.starts_on, forum.timezone, self._hour)
                if opens <= now < closes:
                    queued += await self._queue(uow.session, forum.code, forum.starts_on)
            await uow.commit()
        if queued:
            log.info("%d reminders queued", queued)
        return queued

    async def _queue(self, session: AsyncSession, code: str, starts_on: date) -> int:
        source = reminder_source(code, starts_on)
        template = Template.REMINDER.value
        attendees = await repository.attendees_without_email(session, code, source, template)
        off = await preferences.opted_out(
            session, "reminders", [email_key(a.email) for a in attendees]
        )
        rows: list[dict[str, Any]] = [
            {
                "id": uuid.uuid4(),
                "source_event_id": source,
                "recipient_id": a.registration_id,
                "template": template,
                "forum_code": code,
                "correlation_id": None,
                "to_name": a.full_name,
                "to_email": a.email,
                "locale": a.locale,
                "message_id": message_id(source, a.registration_id, template, self._mail_from),
                "status": (
                    EmailStatus.SKIPPED if email_key(a.email) in off else EmailStatus.QUEUED
                ).value,
                "attempts": 0,
                "next_attempt_at": datetime.now(UTC),  # due at once, whatever clock decided
                "attachments": [],
                "payload": {"registration_id": str(a.registration_id)},
            }
            for a in attendees
        ]
        await repository.add_emails(session, rows)
        return sum(1 for row in rows if row["status"] == EmailStatus.QUEUED.value)


def reminder_preparer(mailer: Mailer) -> Prepare:
    async def prepare(session: AsyncSession, row: EmailRow) -> RenderedEmail:
        attendee = await repository.get_attendee(session, row.recipient_id)
        forum = await repository.get_forum(session, row.forum_code)
        if attendee is None or forum is None or attendee.status != "confirmed":
            raise RenderError("the attendee no longer attends: no reminder")
        unsubscribe = unsubscribe_url(mailer.public_url, mailer.secret_key, row.id, row.template)
        row.payload = {**(row.payload or {}), "unsubscribe_url": unsubscribe}
        context, files = await registration_email(
            session,
            forum,
            attendee,
            Template.REMINDER,
            mailer=mailer,
            extra={"unsubscribe_url": unsubscribe},
        )
        content = mailer.renderer.render(Template.REMINDER, attendee.locale, context)
        return RenderedEmail(content.subject, content.text, content.html, files)

    return prepare
