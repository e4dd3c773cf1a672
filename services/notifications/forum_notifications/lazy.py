"""Emails queued without content (digests, reminders) are rendered when a sender leases them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.delivery import Prepare
from forum_notifications.digest_emails import digest_preparer
from forum_notifications.domain import RenderedEmail, Template
from forum_notifications.models import EmailRow
from forum_notifications.reminders import reminder_preparer
from forum_notifications.rendering import RenderError
from forum_notifications.use_cases import Mailer


def lazy_preparer(mailer: Mailer) -> Prepare:
    preparers = {
        Template.SCHEDULE_DIGEST.value: digest_preparer(mailer),
        Template.REMINDER.value: reminder_preparer(mailer),
    }

    async def prepare(session: AsyncSession, row: EmailRow) -> RenderedEmail:
        preparer = preparers.get(row.template)
        if preparer is None:
            raise RenderError(f"no way to render {row.template!r} later")
        return await preparer(session, row)

    return prepare
