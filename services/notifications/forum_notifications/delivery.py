"""The sender loop: lease queued email rows, send them over SMTP, settle each in its own commit.

Each row is settled (sent / rescheduled / failed) in one transaction with the
`notification.email.*` event it causes. Several replicas share the rows through
`FOR UPDATE SKIP LOCKED` and a lease; a sender that dies mid-send leaves its rows to be
leased again when the lease runs out. The only duplicate possible is a crash between the
SMTP server's 250 and the commit, and it carries the same Message-ID.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.notification import EmailFailed, EmailSent
from forum_shared.db import UnitOfWork
from forum_shared.messaging.consumer import PermanentError
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications import repository
from forum_notifications.domain import OutgoingEmail, RenderedEmail, retry_delay
from forum_notifications.mime import BadAddressError, build_message
from forum_notifications.models import EmailRow
from forum_notifications.smtp import PermanentSendError, RateLimiter, TransientSendError

log = logging.getLogger(__name__)


class Prepare(Protocol):
    """Renders an email queued without content (a digest), from the replicas, at lease time."""

    async def __call__(self, session: AsyncSession, row: EmailRow) -> RenderedEmail: ...


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class DeliveryPolicy:
    concurrency: int = 4
    rate_per_s: float = 50.0
    timeout_s: float = 20.0
    base_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=10)
    max_attempts: int = 20
    poll_interval_s: float = 0.5

    @property
    def batch_size(self) -> int:
        return self.concurrency * 4

    @property
    def lease(self) -> timedelta:
        # Long enough for a whole batch to wait out the rate limit and time out once each.
        return timedelta(seconds=2 * self.timeout_s + self.batch_size / self.rate_per_s + 5)


class EmailSender:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        transport: Transport,
        *,
        mail_from: str,
        policy: DeliveryPolicy,
        prepare: Prepare | None = None,
        observe: Callable[[str, float], None] | None = None,
    ) -> None:
        self._prepare = prepare
        self._observe = observe or (lambda outcome, seconds: None)
        self._uow = uow_factory
        self._transport = transport
        self._mail_from = mail_from
        self._policy = policy
        self._slots = asyncio.Semaphore(policy.concurrency)
        self._rate = RateLimiter(policy.rate_per_s)
        self._wakeup = asyncio.Event()
        self._leases: set[uuid.UUID] = set()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        try:
            while True:
                try:
                    handled = await self.send_due()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("email sender batch failed; retrying")
                    handled = 0
                if handled < self._policy.batch_size:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), self._policy.poll_interval_s)
                    self._wakeup.clear()
        finally:
            await asyncio.shield(self._release_leases())
            await self._transport.close()

    async def _release_leases(self) -> None:
        """On a graceful stop, hand unsent leased rows back at once instead of at lease end."""
        if not self._leases:
            return
        try:
            async with self._uow() as uow:
                await repository.release_leases(uow.session, self._leases, now=datetime.now(UTC))
                await uow.commit()
        except Exception:
            log.exception("could not release leases; they expire on their own")

    async def send_due(self) -> int:
        """Lease one batch of due rows and deliver them; return how many were leased."""
        token = uuid.uuid4()
        now = datetime.now(UTC)
        self._leases.add(token)  # kept if cancelled mid-batch: released on the way out
        handled = await self._send_batch(token, now)
        self._leases.discard(token)
        return handled

    async def _send_batch(self, token: uuid.UUID, now: datetime) -> int:
        async with self._uow() as uow:
            rows = await repository.claim_due(
                uow.session,
                now=now,
                lease_until=now + self._policy.lease,
                token=token,
                limit=self._policy.batch_size,
            )
            emails = [await self._ready(uow, row, now) for row in rows]
            await uow.commit()
        await asyncio.gather(*(self._deliver(e, token) for e in emails if e is not None))
        return len(rows)

    async def _ready(self, uow: UnitOfWork, row: EmailRow, now: datetime) -> OutgoingEmail | None:
        """The row as a sendable email, rendering it first if it was queued without content."""
        if row.subject is None:
            try:
                if self._prepare is None:
                    raise PermanentError("no renderer for emails queued without content")
                repository.fill_content(row, await self._prepare(uow.session, row))
            except PermanentError as error:
                reason = f"render failed: {error}"[:2000]
                log.error("email %s cannot be rendered: %s", row.message_id, reason)
                repository.fail_leased(row, reason=reason, now=now)
                email = repository.to_outgoing(row)
                uow.record(_event(email, EmailFailed(**_ids(email), reason=reason, failed_at=now)))
                return None
        return repository.to_outgoing(row)

    async def _deliver(self, email: OutgoingEmail, token: uuid.UUID) -> None:
        async with self._slots:
            await self._rate.acquire()
            started = time.perf_counter()
            try:
                message = build_message(email, mail_from=self._mail_from, now=datetime.now(UTC))
                await self._transport.send(message)
            except (PermanentSendError, BadAddressError) as error:
                self._observe("failed", time.perf_counter() - started)
                await self._fail(email, token, str(error))
            except TransientSendError as error:
                self._observe("retried", time.perf_counter() - started)
                await self._retry_later(email, token, str(error))
            except Exception as error:  # a bug of ours: keep the row, retry, log loudly
                log.exception("unexpected error sending %s", email.message_id)
                self._observe("retried", time.perf_counter() - started)
                await self._retry_later(email, token, f"{type(error).__name__}: {error}")
            else:
                self._observe("sent", time.perf_counter() - started)
                await self._sent(email, token)

    async def _sent(self, email: OutgoingEmail, token: uuid.UUID) -> None:
        now = datetime.now(UTC)
        async with self._uow() as uow:
            attempts = email.attempts + 1
            if await repository.mark_sent(uow.session, email.id, token, attempts=attempts, now=now):
                uow.record(_event(email, EmailSent(**_ids(email), sent_at=now)))
            else:
                log.warning("email %s was sent after its lease ran out", email.message_id)
            await uow.commit()

    async def _retry_later(self, email: OutgoingEmail, token: uuid.UUID, reason: str) -> None:
        attempts = email.attempts + 1
        if attempts >= self._policy.max_attempts:
            await self._fail(email, token, f"gave up after {attempts} attempts: {reason}")
            return
        delay = retry_delay(attempts, base=self._policy.base_delay, cap=self._policy.max_delay)
        log.warning("email %s deferred (%s); retry in %s", email.message_id, reason, delay)
        async with self._uow() as uow:
            await repository.reschedule(
                uow.session,
                email.id,
                token,
                attempts=attempts,
                reason=reason[:2000],
                next_attempt_at=datetime.now(UTC) + delay,
            )
            await uow.commit()

    async def _fail(self, email: OutgoingEmail, token: uuid.UUID, reason: str) -> None:
        now = datetime.now(UTC)
        reason = reason[:2000]
        log.error("email %s failed permanently: %s", email.message_id, reason)
        async with self._uow() as uow:
            attempts = email.attempts + 1
            if await repository.mark_failed(
                uow.session, email.id, token, attempts=attempts, reason=reason, now=now
            ):
                uow.record(_event(email, EmailFailed(**_ids(email), reason=reason, failed_at=now)))
            await uow.commit()


def _ids(email: OutgoingEmail) -> dict[str, object]:
    return {
        "email_id": email.id,
        "recipient_id": email.recipient_id,
        "template": email.template,
        "source_event_id": email.source_event_id,
        "message_id": email.message_id,
    }


def _event(email: OutgoingEmail, data: EmailSent | EmailFailed) -> EventEnvelope:
    return EventEnvelope.wrap(
        data,
        producer="notifications",
        forum=email.forum_code,
        correlation_id=email.correlation_id or email.source_event_id,
        causation_id=email.source_event_id,
    )
