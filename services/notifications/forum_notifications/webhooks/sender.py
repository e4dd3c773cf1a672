"""The webhook delivery worker: lease due deliveries, POST them signed, record every attempt.

2xx is delivered; `410 Gone` disables the endpoint (its pending deliveries wait until an
organiser enables it again); anything else (other codes, timeouts, refused connections) is
tried again with exponential back-off until the delivery's `retry_until`, then failed.
Replicas share the rows through `FOR UPDATE SKIP LOCKED` and a lease, as the email sender does.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from forum_shared.db import UnitOfWork
from forum_shared.waiting import wait_for_wakeup

from forum_notifications.webhooks import repository
from forum_notifications.webhooks.domain import AttemptOutcome, RetrySchedule, signature
from forum_notifications.webhooks.repository import Claimed

log = logging.getLogger(__name__)

USER_AGENT = "forum-webhooks/1"


@dataclass(frozen=True)
class WebhookPolicy:
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    timeout_s: float = 10.0
    concurrency: int = 8
    poll_interval_s: float = 1.0

    @property
    def batch_size(self) -> int:
        return self.concurrency * 4

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=4 * self.timeout_s + 10)


@dataclass(frozen=True)
class Attempt:
    delivery: Claimed
    outcome: AttemptOutcome
    at: datetime
    response_code: int | None
    latency_ms: int
    error: str | None
    next_attempt_at: datetime | None


class WebhookSender:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        policy: WebhookPolicy,
        *,
        observe: Callable[[str], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._uow = uow_factory
        self._policy = policy
        self._observe = observe or (lambda outcome: None)
        self._transport = transport
        self._slots = asyncio.Semaphore(policy.concurrency)
        self._wakeup = asyncio.Event()
        self._leases: set[uuid.UUID] = set()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        timeout = httpx.Timeout(self._policy.timeout_s, connect=min(self._policy.timeout_s, 5.0))
        async with httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            transport=self._transport,
            headers={"User-Agent": USER_AGENT},
        ) as client:
            try:
                while True:
                    try:
                        handled = await self.send_due(client)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.exception("webhook batch failed; retrying")
                        handled = 0
                    if handled < self._policy.batch_size:
                        await wait_for_wakeup(self._wakeup, self._policy.poll_interval_s)
            finally:
                await asyncio.shield(self._release_leases())

    async def send_due(self, client: httpx.AsyncClient) -> int:
        """Lease one batch of due deliveries, send them, settle them; return how many."""
        token = uuid.uuid4()
        now = datetime.now(UTC)
        self._leases.add(token)
        async with self._uow() as uow:
            claimed = await repository.claim_due(
                uow.session,
                now=now,
                lease_until=now + self._policy.lease,
                token=token,
                limit=self._policy.batch_size,
            )
            await uow.commit()
        if claimed:
            attempts = await asyncio.gather(*(self._attempt(client, d) for d in claimed))
            await asyncio.shield(self._settle(token, attempts))
        self._leases.discard(token)
        return len(claimed)

    async def _attempt(self, client: httpx.AsyncClient, delivery: Claimed) -> Attempt:
        async with self._slots:
            body = delivery.body.encode()
            stamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "Forum-Webhook-Id": str(delivery.id),
                "Forum-Event-Id": str(delivery.event_id),
                "Forum-Event-Type": delivery.event_type,
                "Forum-Timestamp": str(stamp),
                "Forum-Signature": signature(delivery.secret, stamp, body),
                "Forum-Delivery-Attempt": str(delivery.attempts + 1),
            }
            started = time.perf_counter()
            code: int | None = None
            error: str | None = None
            try:
                # The whole exchange is bounded, and the answer's body is never read.
                async with (
                    asyncio.timeout(self._policy.timeout_s),
                    client.stream("POST", delivery.url, content=body, headers=headers) as answer,
                ):
                    code = answer.status_code
            except TimeoutError:
                error = f"timed out after {self._policy.timeout_s:g} s"
            except Exception as failure:  # refused, TLS, bad URL...: the endpoint's problem
                error = f"{type(failure).__name__}: {failure}"[:1000]
            latency_ms = round((time.perf_counter() - started) * 1000)
        now = datetime.now(UTC)
        next_at: datetime | None = None
        if code is not None and 200 <= code < 300:
            outcome = AttemptOutcome.DELIVERED
        elif code == 410:
            outcome = AttemptOutcome.GONE
            error = "410 Gone: the endpoint is disabled"
        else:
            if code is not None:
                error = f"HTTP {code}"
            retry_until = _aware(delivery.retry_until)
            next_at = self._policy.schedule.next_attempt(delivery.attempts + 1, now, retry_until)
            outcome = AttemptOutcome.RETRIED if next_at else AttemptOutcome.FAILED
        return Attempt(delivery, outcome, now, code, latency_ms, error, next_at)

    async def _settle(self, token: uuid.UUID, attempts: list[Attempt]) -> None:
        async with self._uow() as uow:
            for attempt in attempts:
                settled = await repository.settle(
                    uow.session,
                    attempt.delivery,
                    token,
                    outcome=attempt.outcome,
                    now=attempt.at,
                    response_code=attempt.response_code,
                    latency_ms=attempt.latency_ms,
                    error=attempt.error,
                    next_attempt_at=attempt.next_attempt_at,
                )
                if settled and attempt.outcome is AttemptOutcome.GONE:
                    await repository.disable_endpoint(
                        uow.session,
                        attempt.delivery.endpoint_id,
                        reason=f"410 Gone at {attempt.at.isoformat()}",
                        now=attempt.at,
                    )
            await uow.commit()
        for attempt in attempts:
            if attempt.outcome is not AttemptOutcome.DELIVERED:
                log.warning(
                    "webhook %s (%s) to endpoint %s: %s (%s)",
                    attempt.delivery.id,
                    attempt.delivery.event_type,
                    attempt.delivery.endpoint_id,
                    attempt.outcome.value,
                    attempt.error,
                )
            self._observe(attempt.outcome.value)

    async def _release_leases(self) -> None:
        if not self._leases:
            return
        try:
            async with self._uow() as uow:
                await repository.release_leases(uow.session, self._leases, now=datetime.now(UTC))
                await uow.commit()
        except Exception:
            log.exception("could not release webhook leases; they expire on their own")


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they are UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
