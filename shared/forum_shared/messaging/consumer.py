"""What happens to one delivered message, independent of the transport.

`EventConsumer.process()` decodes the envelope, claims its `event_id` in the inbox (a
redelivery stops there) and runs the handler in the same unit of work, and returns an
outcome: done, retry later, or dead-letter with a reason. The RabbitMQ adapter and the
in-process bus act on that outcome the same way, so both drive the very same handler code.
A consumer may have a `wanted` pre-filter: an event it turns down is acknowledged as ignored
before any transaction (a queue that binds `#` for a few interested parties need not pay per event).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from sqlalchemy import Table

from forum_shared.contracts import EVENT_CATALOGUE, EventData, EventEnvelope, UnknownEventError
from forum_shared.db import UnitOfWork
from forum_shared.logging import correlation_id_var, event_id_var
from forum_shared.messaging.inbox import claim
from forum_shared.messaging.topology import ConsumerQueue
from forum_shared.tracing import span_from

log = logging.getLogger(__name__)

Handler = Callable[[EventEnvelope, EventData, UnitOfWork], Awaitable[None]]
# A consumer's optional pre-filter: False acknowledges the event as ignored, no transaction.
Wanted = Callable[[EventEnvelope], Awaitable[bool]]


class PermanentError(Exception):
    """Retrying cannot help (bad data, a missing template): dead-letter at once."""


@dataclass(frozen=True)
class Done:
    duplicate: bool = False
    ignored: bool = False


@dataclass(frozen=True)
class Retry:
    delay_ms: int
    reason: str


@dataclass(frozen=True)
class DeadLetter:
    reason: str


Outcome = Done | Retry | DeadLetter


def outcome_label(outcome: Outcome) -> str:
    if isinstance(outcome, Done):
        return "duplicate" if outcome.duplicate else "ignored" if outcome.ignored else "done"
    return "retry" if isinstance(outcome, Retry) else "dead_letter"


@dataclass
class EventConsumer:
    """A consumer purpose: its queue, a handler per event type, and its retry schedule."""

    queue: ConsumerQueue
    handlers: Mapping[str, Handler]
    uow_factory: Callable[[], UnitOfWork]
    inbox_table: Table
    retry_delays_ms: Sequence[int] = field(default=(1_000, 5_000, 30_000))
    on_outcome: Callable[[str, Outcome, float], None] | None = None
    wanted: Wanted | None = None

    async def process(
        self, body: bytes, *, retries: int = 0, headers: Mapping[str, Any] | None = None
    ) -> Outcome:
        started = time.perf_counter()
        with span_from(headers, f"process {self.queue.name}", SpanKind.CONSUMER) as span:
            outcome = await self._process(body, retries)
            span.set_attribute("forum.outcome", outcome_label(outcome))
        if self.on_outcome is not None:
            self.on_outcome(self.queue.name, outcome, time.perf_counter() - started)
        return outcome

    async def _process(self, body: bytes, retries: int) -> Outcome:
        try:
            envelope = EventEnvelope.model_validate_json(body)
            if (envelope.type, envelope.version) not in EVENT_CATALOGUE:
                raise UnknownEventError(f"no contract for {envelope.type} v{envelope.version}")
            data = EVENT_CATALOGUE[(envelope.type, envelope.version)].model_validate(envelope.data)
        except (ValidationError, UnknownEventError, ValueError) as error:
            return DeadLetter(f"undecodable message: {_short(error)}")

        handler = self.handlers.get(envelope.type)
        if handler is None:
            return Done(ignored=True)
        event_token = event_id_var.set(str(envelope.event_id))
        corr_token = correlation_id_var.set(str(envelope.correlation_id or envelope.event_id))
        try:
            return await self._handle(envelope, data, handler, retries)
        finally:
            event_id_var.reset(event_token)
            correlation_id_var.reset(corr_token)

    async def _handle(
        self, envelope: EventEnvelope, data: EventData, handler: Handler, retries: int
    ) -> Outcome:
        try:
            return await self._run_once(envelope, data, handler)
        except PermanentError as error:
            log.error("%s: %s failed permanently: %s", self.queue.name, envelope.type, error)
            return DeadLetter(f"permanent error: {_short(error)}")
        except Exception as error:
            if retries >= len(self.retry_delays_ms):
                log.error(
                    "%s: %s gave up after %d retries", self.queue.name, envelope.type, retries
                )
                return DeadLetter(f"gave up after {retries} retries: {_short(error)}")
            delay = self.retry_delays_ms[retries]
            log.warning(
                "%s: %s failed (%s), retry %d in %d ms",
                self.queue.name,
                envelope.type,
                _short(error),
                retries + 1,
                delay,
            )
            return Retry(delay_ms=delay, reason=_short(error))

    async def _run_once(
        self, envelope: EventEnvelope, data: EventData, handler: Handler
    ) -> Outcome:
        consumer = self.queue.name
        if self.wanted is not None and not await self.wanted(envelope):
            return Done(ignored=True)
        async with self.uow_factory() as uow:
            # Claimed first, in one statement: a redelivery costs no handler run, and a
            # delivery racing this one waits for its outcome instead of repeating the work.
            if not await claim(uow.session, self.inbox_table, consumer, envelope.event_id):
                return Done(duplicate=True)
            await handler(envelope, data, uow)
            await uow.commit()
        return Done()


def _short(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= 500 else text[:497] + "..."
