"""The sender loop: lease queued email rows, send them over SMTP, settle the outcomes.

Each row is settled (sent / rescheduled / failed) in the same transaction as the
`notification.email.*` event it causes (`settling.py`). Several replicas share the rows through
`FOR UPDATE SKIP LOCKED` and a lease; a sender that dies mid-send leaves its rows to be
leased again when the lease runs out. The only duplicate possible is a crash between the
SMTP server's 250 and the commit, and it carries the same Message-ID.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from asyncio import Queue
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from forum_shared.contracts.notification import EmailFailed
from forum_shared.db import UnitOfWork
from forum_shared.messaging.consumer import PermanentError
from forum_shared.tracing import span_from
from forum_shared.waiting import wait_for_wakeup
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications import repository
from forum_notifications.domain import OutgoingEmail, RenderedEmail
from forum_notifications.mime import BadAddressError, WireMessage, build_message, to_wire
from forum_notifications.models import EmailRow
from forum_notifications.settling import Outcome, RetryPolicy, event, ids, settle
from forum_notifications.smtp import PermanentSendError, RateLimiter, TransientSendError

log = logging.getLogger(__name__)


class Prepare(Protocol):
    """Renders an email queued without content (a digest), from the replicas, at lease time."""

    async def __call__(self, session: AsyncSession, row: EmailRow) -> RenderedEmail: ...


class Transport(Protocol):
    async def send(self, message: WireMessage) -> None: ...

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
    # After a wakeup, how long to let more queued emails join the next lease (see `_lane`).
    gather_s: float = 0.05
    lanes: int = 1  # 2 on PostgreSQL (main.py); SQLite has no row locks to share a batch

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(self.base_delay, self.max_delay, self.max_attempts)

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
        self._settlers: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        """Run the lanes until cancelled; on the way out, hand back what is still leased."""
        try:
            await asyncio.gather(*(self._lane() for _ in range(self._policy.lanes)))
        finally:
            await asyncio.shield(self._drain())
            await self._transport.close()

    async def _drain(self) -> None:
        # Settle what was sent before handing the rest back, or a sent email would be resent.
        if self._settlers:
            await asyncio.gather(*self._settlers, return_exceptions=True)
        await self._release_leases()

    async def _lane(self) -> None:
        # Two lanes overlap one batch's leasing and rendering with the other's sending; the
        # semaphore and the rate limiter are shared, so the bounds hold across lanes.
        while True:
            try:
                handled = await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("email sender batch failed; retrying")
                handled = 0
            if handled < self._policy.batch_size:
                await wait_for_wakeup(self._wakeup, self._policy.poll_interval_s)
                # Each consumer commit queues one email and wakes us: leased at once, nearly
                # every batch (one transaction, and a settle of its own) is a single email.
                # A short pause lets those queued meanwhile share the lease; it holds no
                # SMTP slot, so it adds this much to a confirmation's latency and no more.
                await asyncio.sleep(self._policy.gather_s)

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
        leased_at = time.monotonic()
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
        # A send that starts after this could still be in flight when the lease runs out and
        # another sender leases the row: that would be a duplicate without any crash.
        send_by = leased_at + self._policy.lease.total_seconds() - self._policy.timeout_s - 1
        done: Queue[Outcome | None] = Queue()
        settler = asyncio.create_task(self._settle_from(done))
        self._settlers.add(settler)
        settler.add_done_callback(self._settlers.discard)
        try:
            await asyncio.gather(
                *(self._deliver(e, token, done, send_by) for e in emails if e is not None)
            )
        finally:
            done.put_nowait(None)
            await asyncio.shield(settler)  # what was sent is recorded, even when stopping
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
                uow.record(event(email, EmailFailed(**ids(email), reason=reason, failed_at=now)))
                return None
        return repository.to_outgoing(row)

    async def _deliver(
        self, email: OutgoingEmail, token: uuid.UUID, done: Queue[Outcome | None], send_by: float
    ) -> None:
        # A slot is held from the send until its outcome is committed (`_settle_from` hands it
        # back), so at most `concurrency` emails are ever accepted by the SMTP server but not
        # yet recorded: the most a crash can make us send twice.
        await self._slots.acquire()
        queued = False
        try:
            await self._rate.acquire()
            if time.monotonic() > send_by:
                log.warning(
                    "lease of %s ran out before its send; left for the next lease", email.message_id
                )
                return
            started = time.perf_counter()
            # The send joins the trace of the event that queued the email.
            context = json.loads(email.trace_context) if email.trace_context else None
            with span_from(context, "smtp send", SpanKind.CLIENT, template=email.template):
                outcome = await self._send_one(email, token)
            self._observe(_LABELS[outcome.kind], time.perf_counter() - started)
            done.put_nowait(outcome)
            queued = True
        finally:
            if not queued:
                self._slots.release()

    async def _send_one(self, email: OutgoingEmail, token: uuid.UUID) -> Outcome:
        try:
            wire = to_wire(build_message(email, mail_from=self._mail_from, now=datetime.now(UTC)))
            await self._transport.send(wire)
        except (PermanentSendError, BadAddressError) as error:
            return Outcome(email, token, "fail", str(error))
        except TransientSendError as error:
            return Outcome(email, token, "retry", str(error))
        except Exception as error:  # a bug of ours: keep the row, retry, log loudly
            log.exception("unexpected error sending %s", email.message_id)
            return Outcome(email, token, "retry", f"{type(error).__name__}: {error}")
        return Outcome(email, token, "sent")

    async def _settle_from(self, done: Queue[Outcome | None]) -> None:
        """Group commit: settle whatever finished while the previous commit ran."""
        finished = False
        while not finished:
            group: list[Outcome] = []
            item = await done.get()
            while item is not None:
                group.append(item)
                if done.empty():
                    break
                item = done.get_nowait()
            finished = item is None
            if group:
                try:
                    await self._settle_until_recorded(group)
                finally:
                    for _ in group:
                        self._slots.release()

    async def _settle_until_recorded(self, group: list[Outcome]) -> None:
        # An email the SMTP server accepted must be recorded as sent, or it goes out again
        # when its lease runs out: while the database is away, keep the outcomes and retry.
        delay = 0.2
        while True:
            try:
                async with self._uow() as uow:
                    await settle(uow, group, self._policy.retry)
                    await uow.commit()
                return
            except Exception as error:
                log.warning(
                    "cannot record %d email outcome(s) yet (%s); retrying in %.1f s",
                    len(group),
                    type(error).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)


_LABELS = {"sent": "sent", "retry": "retried", "fail": "failed"}
