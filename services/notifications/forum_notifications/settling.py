"""How a send attempt ends, written back to the email log with its event.

Outcomes are settled in groups: one transaction marks every email whose SMTP exchange ended
since the last commit and records their `notification.email.sent|failed` events. One commit
per group instead of per email keeps a slow-fsync database from capping throughput, while the
resend window after a crash stays what it was: the sends not yet committed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.notification import EmailFailed, EmailSent
from forum_shared.db import UnitOfWork

from forum_notifications import repository
from forum_notifications.domain import OutgoingEmail, retry_delay

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    email: OutgoingEmail
    token: uuid.UUID
    kind: Literal["sent", "retry", "fail"]
    reason: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    base_delay: timedelta
    max_delay: timedelta
    max_attempts: int


async def settle(uow: UnitOfWork, outcomes: Sequence[Outcome], policy: RetryPolicy) -> None:
    """Write each outcome to its row (while our lease holds) with its event; never commits."""
    now = datetime.now(UTC)
    marked = await _mark_sent(uow, [o for o in outcomes if o.kind == "sent"], now)
    for outcome in outcomes:
        email, attempts = outcome.email, outcome.email.attempts + 1
        reason = outcome.reason[:2000]
        if outcome.kind == "sent":
            if email.id in marked:
                uow.record(event(email, EmailSent(**ids(email), sent_at=now)))
            else:
                log.warning("email %s was sent after its lease ran out", email.message_id)
            continue
        if outcome.kind == "retry" and attempts < policy.max_attempts:
            delay = retry_delay(attempts, base=policy.base_delay, cap=policy.max_delay)
            log.warning("email %s deferred (%s); retry in %s", email.message_id, reason, delay)
            await repository.reschedule(
                uow.session,
                email.id,
                outcome.token,
                attempts=attempts,
                reason=reason,
                next_attempt_at=now + delay,
            )
            continue
        if outcome.kind == "retry":
            reason = f"gave up after {attempts} attempts: {reason}"[:2000]
        log.error("email %s failed permanently: %s", email.message_id, reason)
        if await repository.mark_failed(
            uow.session, email.id, outcome.token, attempts=attempts, reason=reason, now=now
        ):
            uow.record(event(email, EmailFailed(**ids(email), reason=reason, failed_at=now)))


async def _mark_sent(uow: UnitOfWork, sent: list[Outcome], now: datetime) -> set[uuid.UUID]:
    """One UPDATE per lease for the sent emails of a group (a group is one batch's)."""
    marked: set[uuid.UUID] = set()
    for token in {outcome.token for outcome in sent}:
        email_ids = [outcome.email.id for outcome in sent if outcome.token == token]
        marked |= await repository.mark_sent(uow.session, email_ids, token, now=now)
    return marked


def ids(email: OutgoingEmail) -> dict[str, object]:
    return {
        "email_id": email.id,
        "recipient_id": email.recipient_id,
        "template": email.template,
        "source_event_id": email.source_event_id,
        "message_id": email.message_id,
    }


def event(email: OutgoingEmail, data: EmailSent | EmailFailed) -> EventEnvelope:
    return EventEnvelope.wrap(
        data,
        producer="notifications",
        forum=email.forum_code,
        correlation_id=email.correlation_id or email.source_event_id,
        causation_id=email.source_event_id,
    )
