"""`forum dev` in a background event loop, for tests whose steps are plain functions.

Hypothesis runs a state machine's rules synchronously, so the platform lives in an event
loop of its own thread: the three services composed exactly as `forum dev` composes them
(one process, the in-process bus, SQLite), mailing a real aiosmtpd server over SMTP. Steps
drive it over HTTP (httpx's ASGI transport) through `call`, and `settle()` waits until the
platform has nothing left to do, by counting rather than by sleeping:

- every service's outbox is published (no row without `published_at`);
- every delivery the bus was handed has an outcome: deliveries = Σ over published outbox
  rows of the consumers bound to the row's key, plus one per `retry` outcome (each retry is
  a new delivery); outcomes are the `forum_messages_handled_total` counters;
- no email row is still `queued` and every release has been fanned out (`planned_at`).

A delivery in a handler, a row the relay holds, an email in an SMTP exchange: each keeps one
of these conditions false. They are read one after the other, not atomically, so the platform
counts as settled only when two reads in a row both hold and agree on every counter.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from forum_cli.dev import create_dev_app
from forum_notifications.models import EmailRow, ReleaseRow
from forum_shared.messaging.memory import InProcessBus, topic_matches
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings
from sqlalchemy import func, select

from tests.support.smtp import SmtpSink

T = TypeVar("T")
ADMIN_TOKEN = "stateful-admin-token-0123456789"
MAIL_DOMAIN = "forum.test"


@dataclass(frozen=True)
class Activity:
    """Counters of everything in flight; the platform is settled when `idle` holds twice."""

    unpublished: int
    published: tuple[tuple[str, int], ...]  # (service, published rows) per service
    deliveries: int
    outcomes: int
    emails: tuple[tuple[str, int], ...]  # rows per status
    unplanned_releases: int

    @property
    def idle(self) -> bool:
        queued = dict(self.emails).get("queued", 0)
        return (
            self.unpublished == 0
            and self.deliveries == self.outcomes
            and queued == 0
            and self.unplanned_releases == 0
        )


class DevPlatform:
    """The platform and its SMTP server; `start()` once, `call()` per step, `stop()` at the end."""

    def __init__(self, var_dir: Path, *, poll_interval_s: float = 0.05) -> None:
        self.sink = SmtpSink()
        self._poll_interval_s = poll_interval_s
        self._var_dir = var_dir
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stopping: asyncio.Event | None = None
        self._served: asyncio.Future[None] | None = None
        self.http: httpx.AsyncClient | None = None
        self.runtimes: list[ServiceRuntime] = []
        self.bus: InProcessBus | None = None

    def start(self) -> DevPlatform:
        self.sink.start()
        self._thread.start()
        self.call(self._start(), timeout_s=60)
        return self

    def stop(self) -> None:
        try:
            if self._stopping is not None and self._served is not None:
                self._loop.call_soon_threadsafe(self._stopping.set)
                asyncio.run_coroutine_threadsafe(_wait(self._served), self._loop).result(30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
            self._loop.close()
            self.sink.stop()

    def call(self, coroutine: Coroutine[Any, Any, T], *, timeout_s: float = 30) -> T:
        """Run a coroutine in the platform's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout_s)

    def settle(self, *, within_s: float = 30) -> Activity:
        """Wait until nothing is in flight; an AssertionError says what still was."""
        return self.call(self._settle(within_s), timeout_s=within_s + 10)

    async def _start(self) -> None:
        settings = ForumSettings(
            env="test",
            var_dir=self._var_dir,
            smtp_url=self.sink.url,
            mail_from=f"Форум <noreply@{MAIL_DOMAIN}>",
            admin_token=ADMIN_TOKEN,
            secret_key="stateful-secret-key-0123456789abcdef0123",
            public_url="http://forum.test",
            retry_delays_ms=[100, 300, 1000],
            relay_poll_interval_s=self._poll_interval_s,
            log_json=False,
        )
        app = create_dev_app(settings, mailbox=None, load_demo=False)
        self.runtimes = list(app.platform.state.runtimes)
        self.bus = app.platform.state.bus
        ready: asyncio.Future[None] = self._loop.create_future()
        self._stopping = asyncio.Event()

        async def serve() -> None:
            async with app.platform.router.lifespan_context(app.platform):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://dev", timeout=30
                ) as http:
                    self.http = http
                    ready.set_result(None)
                    assert self._stopping is not None
                    await self._stopping.wait()

        self._served = asyncio.ensure_future(serve())
        await asyncio.wait({ready, self._served}, return_when=asyncio.FIRST_COMPLETED)
        if self._served.done():
            self._served.result()  # the start failed: raise its error here

    async def _settle(self, within_s: float) -> Activity:
        deadline = self._loop.time() + within_s
        previous: Activity | None = None
        while True:
            current = await self.activity()
            if current.idle and current == previous:
                return current
            if self._loop.time() > deadline:
                raise AssertionError(f"the platform did not settle in {within_s} s: {current}")
            previous = current
            await asyncio.sleep(0.03)

    async def activity(self) -> Activity:
        assert self.bus is not None
        unpublished, published, deliveries, outcomes = 0, [], 0, 0
        emails: tuple[tuple[str, int], ...] = ()
        unplanned = 0
        for runtime in self.runtimes:
            outbox = runtime.outbox_table
            async with runtime.session_factory() as session:
                rows = await session.execute(
                    select(
                        outbox.c.routing_key, outbox.c.published_at.is_(None), func.count()
                    ).group_by(outbox.c.routing_key, outbox.c.published_at.is_(None))
                )
                sent = 0
                for routing_key, waiting, count in rows:
                    if waiting:
                        unpublished += count
                        continue
                    sent += count
                    deliveries += count * self._bound_consumers(routing_key)
                published.append((runtime.name, sent))
                if runtime.name == "notifications":
                    statuses = await session.execute(
                        select(EmailRow.status, func.count()).group_by(EmailRow.status)
                    )
                    emails = tuple(sorted((status, count) for status, count in statuses))
                    unplanned = (
                        await session.scalar(
                            select(func.count()).where(ReleaseRow.planned_at.is_(None))
                        )
                        or 0
                    )
            handled, retried = _handled(runtime)
            outcomes += handled
            deliveries += retried
        return Activity(unpublished, tuple(published), deliveries, outcomes, emails, unplanned)

    def _bound_consumers(self, routing_key: str) -> int:
        assert self.bus is not None
        return sum(
            any(topic_matches(key, routing_key) for key in consumer.queue.binding_keys)
            for consumer in self.bus.consumers
        )


def _handled(runtime: ServiceRuntime) -> tuple[int, int]:
    """Messages this service's consumers finished, and how many of them asked for a retry."""
    handled = retried = 0
    for metric in runtime.registry.collect():
        for sample in metric.samples:
            if sample.name == "forum_messages_handled_total":
                handled += int(sample.value)
                if sample.labels.get("outcome") == "retry":
                    retried += int(sample.value)
    return handled, retried


async def _wait(future: asyncio.Future[None]) -> None:
    await future
