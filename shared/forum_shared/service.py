"""What every service process runs besides its own routes: database, bus, relay, consumers.

`ServiceRuntime` is the composition root's toolkit: a service's `create_app(settings)` gives it
its tables and handlers and gets units of work back; start/stop order is fixed here once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from forum_shared.db import UnitOfWork, create_engine
from forum_shared.messaging.consumer import (
    EventConsumer,
    Handler,
    Outcome,
    Wanted,
    outcome_label,
)
from forum_shared.messaging.inbox import define_inbox_table
from forum_shared.messaging.memory import InProcessBus
from forum_shared.messaging.outbox import (
    OutboxRelay,
    define_outbox_table,
    outbox_backlog,
    outbox_writer,
)
from forum_shared.messaging.rabbit import RabbitBus
from forum_shared.messaging.topology import ConsumerQueue
from forum_shared.metrics import metrics_for
from forum_shared.migrations import migrations_folder, upgrade_to_head
from forum_shared.settings import ForumSettings
from forum_shared.tracing import configure_tracing
from forum_shared.waiting import cancel_and_wait

log = logging.getLogger(__name__)

BackgroundTask = Callable[[], Awaitable[None]]


class ServiceRuntime:
    def __init__(
        self, name: str, settings: ForumSettings, metadata: MetaData, *, package: str | None = None
    ) -> None:
        self.name = name
        # The package whose `migrations/` upgrade the database at start (default forum_<name>).
        self.package = package or f"forum_{name}"
        self.settings = settings
        configure_tracing(name)
        self.metadata = metadata
        self.outbox_table = define_outbox_table(metadata)
        self.inbox_table = define_inbox_table(metadata)
        self.database_url = settings.database_url_for(name)
        self.engine = create_engine(
            self.database_url, pool_size=settings.db_pool_size, pooler=settings.database_pooler
        )
        self.session_factory = async_sessionmaker(self.engine, expire_on_commit=False)
        self.consumers: list[EventConsumer] = []
        self.registry = CollectorRegistry()
        self.metrics = metrics_for(self.registry)
        self.bus: RabbitBus | InProcessBus | None = None
        self._embedded_bus: InProcessBus | None = None
        self.relay = OutboxRelay(
            self.session_factory,
            self.outbox_table,
            self._publish,
            batch_size=settings.relay_batch_size,
            poll_interval_s=settings.relay_poll_interval_s,
        )
        self._background: list[tuple[str, BackgroundTask]] = [("outbox-relay", self.relay.run)]
        self._tasks: list[asyncio.Task[None]] = []

    def uow(self) -> UnitOfWork:
        return UnitOfWork(
            self.session_factory,
            write_outbox=outbox_writer(self.outbox_table),
            on_committed=self.relay.wake,
        )

    def consume(
        self,
        queue: ConsumerQueue,
        handlers: Mapping[str, Handler],
        *,
        wanted: Wanted | None = None,
    ) -> None:
        """Handle `queue` with `handlers`; an event `wanted` turns down costs no transaction."""
        self.consumers.append(
            EventConsumer(
                queue=queue,
                handlers=handlers,
                uow_factory=self.uow,
                inbox_table=self.inbox_table,
                retry_delays_ms=tuple(self.settings.retry_delays_ms),
                on_outcome=self._observe,
                wanted=wanted,
            )
        )

    def attach_embedded_bus(self, bus: InProcessBus) -> None:
        """Run on the in-process bus that the other services of this process share."""
        self._embedded_bus = bus

    def run_in_background(self, name: str, task: BackgroundTask) -> None:
        self._background.append((name, task))

    async def start(self) -> None:
        self.settings.var_dir.mkdir(parents=True, exist_ok=True)
        await self._prepare_database()
        if self._embedded_bus is not None:
            self._embedded_bus.add_consumers(self.consumers)
            self.bus = self._embedded_bus
        elif self.settings.amqp_url:
            self.bus = RabbitBus(self.settings, service=self.name, consumers=self.consumers)
        else:
            raise RuntimeError(
                "FORUM_AMQP_URL is not set: a service on its own needs RabbitMQ "
                "(the single-process embedded mode is `forum dev`)"
            )
        await self.bus.start()
        for task_name, task in self._background:
            self._tasks.append(
                asyncio.create_task(self._supervise(task_name, task), name=task_name)
            )
        log.info("%s started (database %s)", self.name, self.engine.url.render_as_string())

    async def _prepare_database(self) -> None:
        package = self.package or ""
        if package and migrations_folder(package) is not None:
            await upgrade_to_head(self.engine, package)
            return
        # A service without migrations yet (or a test harness): tables straight from models.
        async with self.engine.begin() as connection:
            await connection.run_sync(self.metadata.create_all)

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        if self.bus is not None:
            await self.bus.stop()
        await self.engine.dispose()

    async def readiness(self) -> dict[str, Any]:
        """What `/health/ready` reports; `ok` is false when any part cannot do its job."""
        report: dict[str, Any] = {"service": self.name}
        try:
            async with self.session_factory() as session:
                await session.execute(text("SELECT 1"))
                backlog, oldest = await outbox_backlog(session, self.outbox_table)
            report["database"] = "ok"
            report["outbox"] = {
                "backlog": backlog,
                "oldest": oldest.isoformat() if oldest else None,
            }
        except Exception as error:
            report["database"] = f"error: {type(error).__name__}"
        try:
            assert self.bus is not None
            own = {consumer.queue.name for consumer in self.consumers}
            stats = {n: v for n, v in (await self.bus.queue_stats()).items() if n in own}
            report["queues"] = {
                name: {"ready": ready, "consumers": consumers}
                for name, (ready, consumers) in stats.items()
            }
            report["broker"] = "ok"
            # A memory or disk alarm blocks publishing only: the service stays ready (its
            # outbox holds the events, the backlog above grows) but says why nothing leaves.
            blocked = isinstance(self.bus, RabbitBus) and await self.bus.publishing_blocked()
            report["publishing"] = "blocked by the broker (alarm)" if blocked else "ok"
        except Exception as error:
            report["broker"] = f"error: {type(error).__name__}"
        report["ok"] = (
            report.get("database") == "ok"
            and report.get("broker") == "ok"
            and all(q["consumers"] > 0 for q in report.get("queues", {}).values())
            and all(not t.done() for t in self._tasks)
        )
        return report

    def _observe(self, queue: str, outcome: Outcome, seconds: float) -> None:
        self.metrics.messages.labels(self.name, queue, outcome_label(outcome)).inc()
        self.metrics.handler_latency.labels(self.name, queue).observe(seconds)

    async def refresh_gauges(self) -> None:
        """Read the outbox and queue figures that only exist at scrape time."""
        report = await self.readiness()
        outbox = report.get("outbox")
        if outbox:
            self.metrics.outbox_backlog.labels(self.name).set(outbox["backlog"])
            oldest = outbox["oldest"]
            age = 0.0
            if oldest:
                age = (datetime.now(UTC) - _aware(datetime.fromisoformat(oldest))).total_seconds()
            self.metrics.outbox_oldest_age.labels(self.name).set(age)
        for queue, figures in report.get("queues", {}).items():
            self.metrics.queue_ready.labels(self.name, queue).set(figures["ready"])
            self.metrics.queue_consumers.labels(self.name, queue).set(figures["consumers"])

    async def _publish(self, message: Any) -> None:
        if self.bus is None:
            raise RuntimeError("bus not started")
        await self.bus.publish(message)

    async def _supervise(self, name: str, task: BackgroundTask) -> None:
        # A background loop that dies is restarted rather than silently stopping the service.
        while True:
            try:
                await task()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background task %s crashed; restarting in 1 s", name)
                await asyncio.sleep(1)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they are UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
