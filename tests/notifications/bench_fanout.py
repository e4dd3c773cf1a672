"""Benchmark (not part of the test suite): a release that affects N people, on PostgreSQL.

    FORUM_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python -m tests.notifications.bench_fanout 10000

Measures the planner (one release → N queued rows, one transaction), then rendering + SMTP
delivery by one sender to an aiosmtpd sink in this process, next to the raw ceiling: the same
number of pre-built messages sent by aiosmtplib alone at the same concurrency.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiosmtplib
import asyncpg
from forum_notifications.delivery import DeliveryPolicy, EmailSender
from forum_notifications.fanout import DigestPlanner
from forum_notifications.handlers import schedule_handlers
from forum_notifications.lazy import lazy_preparer
from forum_notifications.models import AgendaEntryRow, AttendeeRow, Base
from forum_notifications.rendering import Renderer
from forum_notifications.smtp import SmtpConfig, SmtpTransport
from forum_notifications.use_cases import Mailer
from forum_shared.contracts import EventEnvelope, decode_data
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings
from sqlalchemy import insert

from tests.notifications.factories import MAIL_FROM, forum_updated
from tests.notifications.programme_factories import Scenario
from tests.support.smtp import SmtpSink

CONCURRENCY = 8


async def feed(runtime: ServiceRuntime, *envelopes: EventEnvelope) -> None:
    handlers = schedule_handlers()
    for envelope in envelopes:
        async with runtime.uow() as uow:
            await handlers[envelope.type](envelope, decode_data(envelope), uow)
            await uow.commit()


async def add_people(runtime: ServiceRuntime, world: Scenario, count: int) -> None:
    people = [uuid.uuid4() for _ in range(count)]
    async with runtime.uow() as uow:
        await uow.session.execute(
            insert(AttendeeRow),
            [
                {
                    "registration_id": person,
                    "forum_code": "pev2026",
                    "full_name": f"Участник №{i}",
                    "email": f"person{i}@example.ru",
                    "locale": "ru" if i % 3 else "en",
                    "category": "delegate",
                    "status": "confirmed",
                    "agenda": [],
                    "link_generation": 1,
                    "version": 1,
                }
                for i, person in enumerate(people)
            ],
        )
        await uow.session.execute(
            insert(AgendaEntryRow),
            [
                {"registration_id": person, "session_id": session, "status": "confirmed"}
                for person in people
                for session in (world.s1, world.s2)
            ],
        )
        await uow.commit()


async def raw_ceiling(sink: SmtpSink, count: int) -> float:
    message = (
        b"From: a@forum.test\r\nTo: b@example.ru\r\nSubject: x\r\n\r\n" + (b"x" * 76 + b"\r\n") * 80
    )
    slots = asyncio.Semaphore(CONCURRENCY)
    clients = []
    for _ in range(CONCURRENCY):
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=sink.port, start_tls=False)
        await client.connect()
        clients.append(client)

    async def one(i: int) -> None:
        async with slots:
            client = clients.pop()
            await client.sendmail("a@forum.test", ["b@example.ru"], message)
            clients.append(client)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.quit()
    return count / elapsed


async def main(count: int) -> None:
    admin = os.environ["FORUM_TEST_DATABASE_URL"]
    name = f"forum_bench_{uuid.uuid4().hex[:8]}"
    dsn = admin.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    await connection.execute(f'CREATE DATABASE "{name}"')
    sink = SmtpSink().start()
    try:
        settings = ForumSettings(
            env="test",
            database_url=admin.rsplit("/", 1)[0] + f"/{name}",
            var_dir=Path(tempfile.mkdtemp()),
            smtp_url=sink.url,
            mail_from=MAIL_FROM,
            public_url="http://forum.test",
        )
        runtime = ServiceRuntime("notifications", settings, Base.metadata)
        async with runtime.engine.begin() as db:
            await db.run_sync(Base.metadata.create_all)
        world = Scenario()
        await feed(runtime, forum_updated(), *world.setup_events())
        await add_people(runtime, world, count)
        await feed(runtime, world.release(), *world.session_events())

        planner = DigestPlanner(runtime.uow, mail_from=MAIL_FROM)
        started = time.perf_counter()
        planned = await planner.plan_ready()
        plan_s = time.perf_counter() - started

        mailer = Mailer(Renderer(), settings.secret_key, settings.public_url, MAIL_FROM)
        transport = SmtpTransport(SmtpConfig.from_url(sink.url), timeout_s=20)
        policy = DeliveryPolicy(concurrency=CONCURRENCY, rate_per_s=100_000, lanes=2)
        sender = EmailSender(
            runtime.uow,
            transport,
            mail_from=MAIL_FROM,
            policy=policy,
            prepare=lazy_preparer(mailer),
        )
        started = time.perf_counter()
        running = asyncio.create_task(sender.run())
        while len(sink.messages) < planned:  # noqa: ASYNC110 - the sink runs in a thread
            await asyncio.sleep(0.01)
        send_s = time.perf_counter() - started
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        delivered = len(sink.messages)
        distinct = len({m.raw.split(b"Message-ID: ", 1)[1][:120] for m in sink.messages})
        print(f"distinct Message-IDs at the sink: {distinct} of {delivered}")
        ceiling = await raw_ceiling(sink, min(count, 2000))
        await runtime.engine.dispose()
        print(f"recipients planned: {planned} in {plan_s:.2f} s ({planned / plan_s:.0f}/s)")
        print(
            f"rendered + sent:    {delivered} in {send_s:.2f} s ({delivered / send_s:.0f}/s, "
            f"concurrency {CONCURRENCY})"
        )
        print(f"raw aiosmtplib ceiling, same sink and concurrency: {ceiling:.0f}/s")
    finally:
        sink.stop()
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
