# ruff: noqa: S603 - the benchmark starts its own local tools (wrk, the bare app)
"""Raw ceilings, taken in the same run as the platform's figures (no project code).

Each is the cost of one stage a registration needs, done by the same client libraries the
services use, from this (driver) process, so the client's CPU counts as it does in a service:

- broker: aio-pika, persistent messages with publisher confirms (window 256), published and
  consumed at once (second channel, prefetch 100, manual ack); messages per second end to end;
- database: asyncpg, one transaction = INSERT registration + INSERT outbox row, 16 connections;
- SMTP: a multipart text + HTML `EmailMessage` built per email and sent by aiosmtplib over 8
  reused connections to the same sink process the platform sends to;
- HTTP: a bare FastAPI endpoint (pydantic body, no database) under uvicorn, driven by wrk
  with the same connections and body shape as the registrations.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

import aio_pika
import aiosmtplib
import asyncpg

from bench.util import BENCH_DIR, adopt, free_port, parse_wrk, run_adopted, wait_http

PAYLOAD = {
    "full_name": "Участник Нагрузки 00001",
    "email": "ceiling-00001@bench.test",
    "organization": "АО «Волгоградский завод»",
    "region": "Волгоградская область",
    "category": "delegate",
    "locale": "ru",
    "consents": {"personal_data": True},
    "agenda": [str(uuid.uuid4()) for _ in range(3)],
}


async def broker(amqp_url: str, count: int) -> float:
    """Messages per second published (confirmed) and consumed, both running at once."""
    connection = await aio_pika.connect_robust(amqp_url)
    try:
        publish_channel = await connection.channel(publisher_confirms=True)
        consume_channel = await connection.channel()
        await consume_channel.set_qos(prefetch_count=100)
        name = f"bench.ceiling.{uuid.uuid4().hex[:8]}"
        queue = await consume_channel.declare_queue(name, durable=True)
        done = asyncio.get_running_loop().create_future()
        received = 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            json.loads(message.body)
            await message.ack()
            received += 1
            if received == count and not done.done():
                done.set_result(None)

        window = asyncio.Semaphore(256)

        async def publish(i: int) -> None:
            async with window:
                body = json.dumps({**PAYLOAD, "n": i}, ensure_ascii=False).encode()
                await publish_channel.default_exchange.publish(
                    aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=name,
                )

        started = time.perf_counter()
        consumer = await queue.consume(on_message)
        await asyncio.gather(*(publish(i) for i in range(count)))
        await asyncio.wait_for(done, 120)
        elapsed = time.perf_counter() - started
        await queue.cancel(consumer)
        await queue.delete(if_unused=False, if_empty=False)
        return count / elapsed
    finally:
        await connection.close()


async def database(dsn: str, count: int, concurrency: int = 16) -> float:
    """Transactions per second: registration row + outbox row, one commit each."""
    setup = await asyncpg.connect(dsn)
    try:
        await setup.execute(
            "DROP TABLE IF EXISTS bench_registration, bench_outbox;"
            "CREATE TABLE bench_registration (id uuid PRIMARY KEY, forum text NOT NULL,"
            " email text NOT NULL, full_name text NOT NULL, payload jsonb NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (forum, email));"
            "CREATE TABLE bench_outbox (id bigserial PRIMARY KEY, payload jsonb NOT NULL,"
            " sent_at timestamptz)"
        )
    finally:
        await setup.close()
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    assert pool is not None
    try:
        slots = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            body = json.dumps({**PAYLOAD, "n": i}, ensure_ascii=False)
            async with slots, pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "INSERT INTO bench_registration (id, forum, email, full_name, payload)"
                    " VALUES ($1, $2, $3, $4, $5)",
                    uuid.uuid4(),
                    "bench",
                    f"ceiling-{i}@bench.test",
                    PAYLOAD["full_name"],
                    body,
                )
                await conn.execute("INSERT INTO bench_outbox (payload) VALUES ($1)", body)

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return count / (time.perf_counter() - started)
    finally:
        await pool.close()


def compose(i: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Форум <noreply@forum.test>"
    message["To"] = f"Участник Нагрузки {i} <ceiling-{i}@bench.test>"
    message["Subject"] = "ПромЭнергоVolga2030: регистрация подтверждена"
    message["Message-ID"] = f"<{uuid.uuid4()}.ceiling@forum.test>"
    text = (
        f"Здравствуйте, Участник Нагрузки {i}!\n\nВаша регистрация на форум подтверждена.\n"
        "Место: Волгоград Арена, 23–25 ноября 2030.\nУправление регистрацией: "
        f"http://forum.test/r/{uuid.uuid4()}\n"
    )
    message.set_content(text)
    message.add_alternative(f"<html><body><p>{text}</p></body></html>", subtype="html")
    return message.as_bytes()


async def smtp(port: int, count: int, concurrency: int = 8) -> float:
    """Emails per second: MIME built per email, sent over reused connections."""
    clients = []
    for _ in range(concurrency):
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=30)
        await client.connect()
        clients.append(client)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def worker(client: aiosmtplib.SMTP) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            await client.sendmail("noreply@forum.test", [f"ceiling-{i}@bench.test"], compose(i))

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.quit()
    return count / elapsed


def http(seconds: float, connections: int, log_dir: Path) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 in ms, of the bare endpoint under wrk."""
    port = free_port()
    with (log_dir / "bare_app.log").open("ab") as log:
        server = adopt(
            subprocess.Popen(
                [sys.executable, "-m", "bench.bare_app", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=BENCH_DIR.parent,
            )
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/health/live", 30)
        out = run_adopted(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "-s",
                str(BENCH_DIR / "bare.lua"),
                f"http://127.0.0.1:{port}",
            ],
            timeout=seconds + 60,
        )
        fields = parse_wrk(out)
        rate = fields["requests"] / (fields["duration_us"] / 1e6)
        return rate, fields["p50_us"] / 1000, fields["p99_us"] / 1000
    finally:
        server.terminate()
        server.wait(10)
