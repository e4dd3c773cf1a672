"""Events the notifications service publishes (`notification.*`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from forum_shared.contracts.envelope import EventData


class EmailSent(EventData):
    event_type: ClassVar[str] = "notification.email.sent"

    email_id: uuid.UUID
    recipient_id: uuid.UUID
    template: str
    source_event_id: uuid.UUID
    message_id: str
    sent_at: datetime


class EmailFailed(EventData):
    event_type: ClassVar[str] = "notification.email.failed"

    email_id: uuid.UUID
    recipient_id: uuid.UUID
    template: str
    source_event_id: uuid.UUID
    message_id: str
    reason: str
    failed_at: datetime
