"""The three services as OS processes on the private broker (through the proxy) and the
private PostgreSQL, plus the steps every fault scenario shares."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support import invariants
from tests.support.burst import BurstResult, attendee, burst
from tests.support.private_postgres import PrivatePostgres
from tests.support.private_rabbitmq import PrivateRabbitMQ
from tests.support.processes import ServiceProcess
from tests.support.smtp import SmtpSink
from tests.support.tcp_proxy import TcpProxy

ADMIN_TOKEN = "fault-admin-token-0123456789"
SERVICES = ("schedule", "registration", "notifications")
# Each service's work queues (schedule consumes none).
QUEUES = {
    "registration": ("registration.schedule",),
    "notifications": ("notifications.registration", "notifications.schedule"),
}
ALL_QUEUES = tuple(q for qs in QUEUES.values() for q in qs)

# CI default; the full issue-7 burst is `FORUM_FAULT_BURST=1000` (see tests/faults/README.md).
BURST = int(os.environ.get("FORUM_FAULT_BURST", "200"))
# pytest-timeout bound per scenario: fixed costs (restarts, 10-15 s outages) plus the burst.
SCENARIO_TIMEOUT_S = int(180 + 0.3 * BURST)
CONCURRENCY = int(os.environ.get("FORUM_FAULT_CONCURRENCY", "8"))
SMTP_CONCURRENCY = 8
CONSUMERS_BACK_WITHIN_S = 30.0


def forum_body(capacity: int) -> dict[str, Any]:
    return {
        "title": {"ru": "ПромЭнергоVolga2030", "en": "PromEnergoVolga 2030"},
        "venue": {"ru": "Волгоград Арена", "en": "Volgograd Arena"},
        "timezone": "Europe/Volgograd",
        "starts_on": "2030-11-23",
        "ends_on": "2030-11-25",
        "capacity": capacity,
    }


@dataclass
class Measure:
    """What a scenario measured, printed as one JSON line (and kept for the report)."""

    scenario: str
    values: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def mark(self, name: str) -> None:
        self.values[name] = round(time.monotonic() - self.started, 2)

    def emit(self) -> None:
        self.values["total_s"] = round(time.monotonic() - self.started, 2)
        line = json.dumps({"scenario": self.scenario, **self.values}, ensure_ascii=False)
        print(f"\nFAULT-RESULT {line}")
        target = os.environ.get("FORUM_FAULT_RESULTS")
        if target:
            with Path(target).open("a") as out:
                out.write(line + "\n")


@dataclass
class FaultPlatform:
    rabbit: PrivateRabbitMQ
    proxy: TcpProxy
    postgres: PrivatePostgres
    sink: SmtpSink
    vhost: str
    databases: dict[str, str]
    log_dir: Path
    retry_delays_ms: list[int]
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def amqp_url(self) -> str:
        """What the services use: through the proxy."""
        return f"amqp://guest:guest@127.0.0.1:{self.proxy.port}/{self.vhost}"

    @property
    def direct_amqp_url(self) -> str:
        """What the checks use: straight to the node, past the proxy."""
        return f"amqp://guest:guest@127.0.0.1:{self.rabbit.port}/{self.vhost}"

    def env(self, name: str) -> dict[str, str]:
        return {
            "FORUM_ENV": "test",
            "FORUM_AMQP_URL": self.amqp_url,
            "FORUM_DATABASE_URL": self.databases[name],
            "FORUM_SMTP_URL": self.sink.url,
            "FORUM_MAIL_FROM": "Форум <noreply@forum.test>",
            "FORUM_ADMIN_TOKEN": ADMIN_TOKEN,
            "FORUM_SECRET_KEY": "fault-secret-key-0123456789abcdef0123456789",
            "FORUM_PUBLIC_URL": "http://forum.test",
            "FORUM_RETRY_DELAYS_MS": json.dumps(self.retry_delays_ms),
            "FORUM_RELAY_POLL_INTERVAL_S": "0.2",
            "FORUM_SMTP_RATE_PER_S": "2000",
            "FORUM_SMTP_CONCURRENCY": str(SMTP_CONCURRENCY),
            "FORUM_SMTP_TIMEOUT_S": "5",
            "FORUM_PUBLISH_TIMEOUT_S": "5",
            "FORUM_GRACEFUL_TIMEOUT_S": "5",
            "FORUM_RATE_LIMIT_PER_MINUTE": "0",  # one client posts the whole burst
        }

    def start(self) -> FaultPlatform:
        from tests.support.processes import free_port

        for name in SERVICES:
            self.services[name] = ServiceProcess(
                name, free_port(), self.env(name), self.log_dir / f"{name}.log"
            ).start()
        for service in self.services.values():
            service.wait_ready(60)
        return self

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()

    @property
    def urls(self) -> dict[str, str]:
        return {name: service.url for name, service in self.services.items()}

    async def kill9(self, name: str) -> None:
        await asyncio.to_thread(self.services[name].kill)

    async def start_service(self, name: str, within_s: float = 60) -> None:
        service = self.services[name]
        service.start()
        await asyncio.to_thread(service.wait_ready, within_s)

    async def heal(self) -> None:
        """Undo whatever a previous scenario left: proxy flowing, broker and database up,
        every service alive and ready (restarted if not)."""
        self.proxy.resume()
        if not self.rabbit.is_running():
            await asyncio.to_thread(self.rabbit.start)
        if not self.postgres.is_running():
            await asyncio.to_thread(self.postgres.start)
        for name, service in self.services.items():
            if service.process is None or service.process.poll() is not None:
                await self.start_service(name)
        statuses, _ = await invariants.wait_ready(self.urls, within_s=30)
        for name, status in statuses.items():
            if status != 200:
                await self.kill9(name)
                await self.start_service(name)

    async def create_forum(self, code: str, *, capacity: int) -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.put(
                f"{self.urls['schedule']}/v1/forums/{code}",
                json=forum_body(capacity),
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
            assert answer.status_code in (200, 201), answer.text
            # The registration service learns of the forum from the bus.
            deadline = time.monotonic() + 30
            base = f"{self.urls['registration']}/v1/forums/{code}"
            while True:
                for path in (f"{base}/availability", base):
                    if (await http.get(path)).status_code == 200:
                        return
                assert time.monotonic() < deadline, f"forum {code} never reached registration"
                await asyncio.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(f"===== {n}\n{s.logs()[-3000:]}" for n, s in self.services.items())


Fault = Callable[[list[int]], Awaitable[None]]


async def consumers_back(platform: FaultPlatform, measure: Measure) -> None:
    """Right after a fault ends: every work queue has a consumer again within 30 s."""
    counts, took = await invariants.wait_consumers(
        platform.direct_amqp_url, ALL_QUEUES, within_s=CONSUMERS_BACK_WITHIN_S
    )
    measure.values["consumers_back_after_fault_s"] = round(took, 2)
    assert all(counts.get(q, 0) > 0 for q in ALL_QUEUES), (
        f"no consumer {CONSUMERS_BACK_WITHIN_S} s after the fault: {counts}\n{platform.logs()}"
    )


async def burst_with_fault(
    platform: FaultPlatform,
    tag: str,
    fault: Fault,
    measure: Measure,
    *,
    n: int = BURST,
    mail_within_s: float = 120,
    settle_within_s: float = 90,
    allowed_repeats: int = 0,
) -> tuple[BurstResult, invariants.MailReport]:
    """Create a forum, post n registrations while `fault` runs, then check the invariants."""
    code = f"fault-{tag}"
    await platform.create_forum(code, capacity=n * 2)
    measure.mark("forum_ready_s")
    bodies = [attendee(tag, i) for i in range(n)]
    progress = [0]
    sending = asyncio.create_task(
        burst(
            platform.urls["registration"],
            code,
            bodies,
            concurrency=CONCURRENCY,
            within_s=SCENARIO_TIMEOUT_S - 60,
            progress=progress,
        )
    )
    try:
        await fault(progress)
    except BaseException:
        sending.cancel()
        raise
    result = await sending
    measure.values["burst"] = result.summary()
    measure.mark("burst_done_s")
    return result, await check_invariants(
        platform,
        code,
        [b["email"] for b in bodies],
        result,
        measure,
        mail_within_s=mail_within_s,
        settle_within_s=settle_within_s,
        allowed_repeats=allowed_repeats,
    )


async def check_invariants(
    platform: FaultPlatform,
    code: str,
    emails: list[str],
    result: BurstResult,
    measure: Measure,
    *,
    mail_within_s: float,
    settle_within_s: float,
    allowed_repeats: int = 0,
) -> invariants.MailReport:
    # 1. Every registration answered as stored, and stored exactly once.
    assert not result.failed, f"not stored per the API: {result.summary()}"
    stored, source = await invariants.stored_emails(
        platform.urls["registration"],
        ADMIN_TOKEN,
        code,
        registration_db=platform.databases["registration"],
    )
    measure.values["stored_rows"] = len(stored)
    measure.values["stored_read_from"] = source
    assert sorted(stored) == sorted(emails), (
        f"{len(stored)} rows for {len(emails)} registrations; "
        f"missing {len(set(emails) - set(stored))}, extra {len(stored) - len(set(stored))}"
    )
    # 2. Consumers of every queue back, every service ready.
    counts, took = await invariants.wait_consumers(
        platform.direct_amqp_url, ALL_QUEUES, within_s=CONSUMERS_BACK_WITHIN_S
    )
    measure.values["consumers_back_s"] = round(took, 2)
    assert all(counts.get(q, 0) > 0 for q in ALL_QUEUES), f"consumers: {counts}"
    statuses, took = await invariants.wait_ready(platform.urls, within_s=CONSUMERS_BACK_WITHIN_S)
    measure.values["ready_s"] = round(took, 2)
    assert all(s == 200 for s in statuses.values()), f"/health/ready: {statuses}"
    # 3. Exactly one confirmation per registration, no Message-ID twice.
    report, took = await invariants.wait_for_mail(platform.sink, emails, within_s=mail_within_s)
    measure.values["all_mail_s"] = round(took, 2)
    settled, took = await invariants.wait_settled(
        platform.databases["notifications"], code, within_s=settle_within_s
    )
    measure.values["settled_s"] = round(took, 2)
    report.mails = platform.sink.messages
    measure.values["mail"] = report.summary()
    assert not report.missing, (
        f"{len(report.missing)} registrations got no email: {report.summary()}"
    )
    assert settled, f"emails still queued after {settle_within_s} s: {report.summary()}"
    assert not report.recipients_with_distinct_ids, (
        f"true duplicates (two Message-IDs for one registration): {report.summary()}"
    )
    repeats = sum(n - 1 for n in report.repeated_message_ids.values())
    measure.values["repeats"] = repeats
    if repeats > allowed_repeats:
        rows = await invariants.email_rows(
            platform.databases["notifications"], list(report.repeated_message_ids)[:5]
        )
        arrivals = {
            mid: [i for i, m in enumerate(report.mails) if invariants.message_id_of(m) == mid]
            for mid in list(report.repeated_message_ids)[:5]
        }
        raise AssertionError(
            f"Message-ID sent twice: {report.repeated_message_ids} ({report.summary()}); "
            f"their rows: {rows}; positions at the SMTP server: {arrivals}"
        )
    assert len(report.message_ids) == len(emails)
    assert set(report.per_recipient.values()) <= {1, *([2] if allowed_repeats else [])}
    return report
