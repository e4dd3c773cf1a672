"""Losing RabbitMQ nodes in the middle of a registration burst loses and repeats nothing.

Three private RabbitMQ 3.10 nodes on loopback form a cluster (their own names, ports, data
directories and cookie; the machine's node on 5672 is never touched). The three services run
as `forum run …` processes with FORUM_AMQP_URL listing all three nodes, each on its own
PostgreSQL database, mailing a real SMTP sink. During a burst of 2,000 registrations the node
leading the busiest queue is killed with `kill -9`, then the node a service is connected to,
and then both are restarted. Every registration must be stored, exactly one confirmation email
sent for each, no Message-ID twice; the per-second throughput of the run is printed.

Slow (minutes) and it starts three Erlang VMs, so it only runs when asked:

    FORUM_CLUSTER_TESTS=1 .venv/bin/pytest tests/cluster -s
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster.cluster import Cluster
from tests.support import invariants, private_rabbitmq
from tests.support.burst import attendee, burst, wait_progress
from tests.support.processes import ServiceProcess, free_port
from tests.support.smtp import SmtpSink

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.integration,
    pytest.mark.skipif(
        os.environ.get("FORUM_CLUSTER_TESTS") != "1",
        reason="starts a 3-node RabbitMQ cluster and takes minutes: "
        "FORUM_CLUSTER_TESTS=1 .venv/bin/pytest tests/cluster -s",
    ),
]

BURST = int(os.environ.get("FORUM_CLUSTER_BURST", "2000"))
CONCURRENCY = 16
ADMIN_TOKEN = "cluster-admin-token-0123456789"
SERVICES = ("schedule", "registration", "notifications")
WORK_QUEUES = ("registration.schedule", "notifications.registration", "notifications.schedule")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    reason = private_rabbitmq.unavailable_reason()
    if reason:
        pytest.skip(f"needs RabbitMQ binaries: {reason}")
    nodes = Cluster.of(3)
    try:
        boots = nodes.form()
        print(f"\ncluster formed; node boot seconds {[round(b, 1) for b in boots]}")
        yield nodes
    finally:
        nodes.destroy()


def _env(cluster: Cluster, database_url: str, sink: SmtpSink) -> dict[str, str]:
    return {
        "FORUM_ENV": "test",
        "FORUM_AMQP_URL": cluster.url(),
        "FORUM_DATABASE_URL": database_url,
        "FORUM_SMTP_URL": sink.url,
        "FORUM_MAIL_FROM": "Форум <noreply@forum.test>",
        "FORUM_ADMIN_TOKEN": ADMIN_TOKEN,
        "FORUM_SECRET_KEY": "cluster-secret-key-0123456789abcdef0123456789",
        "FORUM_PUBLIC_URL": "http://forum.test",
        # ~31 s of back-off in total: enough to ride out a lost quorum and two node restarts.
        "FORUM_RETRY_DELAYS_MS": json.dumps([500, 1000, 2000, 4000, 8000, 16000]),
        "FORUM_RELAY_POLL_INTERVAL_S": "0.2",
        "FORUM_SMTP_RATE_PER_S": "2000",
        "FORUM_SMTP_CONCURRENCY": "8",
        "FORUM_SMTP_TIMEOUT_S": "5",
        "FORUM_PUBLISH_TIMEOUT_S": "5",
        "FORUM_GRACEFUL_TIMEOUT_S": "5",
        "FORUM_RATE_LIMIT_PER_MINUTE": "0",  # one client posts the whole burst
        "FORUM_LOG_JSON": "false",
    }


async def _create_forum(urls: dict[str, str], code: str) -> None:
    body = {
        "title": {"ru": "ПромЭнергоVolga2030", "en": "PromEnergoVolga 2030"},
        "venue": {"ru": "Волгоград Арена", "en": "Volgograd Arena"},
        "timezone": "Europe/Volgograd",
        "starts_on": "2030-11-23",
        "ends_on": "2030-11-25",
        "capacity": BURST * 2,
    }
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.put(
            f"{urls['schedule']}/v1/forums/{code}",
            json=body,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert answer.status_code in (200, 201), answer.text
        deadline = time.monotonic() + 30
        while (
            await http.get(f"{urls['registration']}/v1/forums/{code}/availability")
        ).status_code != 200:
            assert time.monotonic() < deadline, "the forum never reached registration"
            await asyncio.sleep(0.1)


async def _sample(
    progress: list[int], sink: SmtpSink, urls: dict[str, str], rows: list[dict[str, Any]]
) -> None:
    """Once a second: registrations answered, emails received, each service's readiness."""
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=2.0) as http:

        async def status(url: str) -> int:
            try:
                return (await http.get(f"{url}/health/ready")).status_code
            except httpx.HTTPError:
                return 0  # no answer within 2 s: counted as not ready

        while True:
            codes = await asyncio.gather(*(status(urls[n]) for n in SERVICES))
            ready = dict(zip(SERVICES, codes, strict=True))
            rows.append(
                {
                    "t": round(time.monotonic() - started, 1),
                    "registered": progress[0],
                    "emails": len(sink.messages),
                    "ready": "".join("R" if ready[n] == 200 else "-" for n in SERVICES),
                }
            )
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started) % 1.0))


def _print_throughput(rows: list[dict[str, Any]], events: list[tuple[float, str]]) -> None:
    print("\n  t(s)  registrations/s  emails/s  ready(s,r,n)  event")
    previous = {"t": 0.0, "registered": 0, "emails": 0}
    for row in rows:
        span = max(row["t"] - previous["t"], 0.001)
        happened = "; ".join(e for at, e in events if previous["t"] < at <= row["t"])
        print(
            f"{row['t']:6.1f} {(row['registered'] - previous['registered']) / span:16.0f}"
            f" {(row['emails'] - previous['emails']) / span:9.0f}  {row['ready']:>12}  {happened}"
        )
        previous = row


@pytest.mark.timeout(900)
async def test_a_burst_survives_the_loss_of_the_leader_node_and_of_a_connected_node(
    cluster: Cluster,
    create_database: Callable[[], str],
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    logs = Path(os.environ.get("FORUM_CLUSTER_LOG_DIR") or tmp_path)
    # create_database runs its own event loop: call it off this one.
    databases = {name: await asyncio.to_thread(create_database) for name in SERVICES}
    services = {
        name: ServiceProcess(
            name, free_port(), _env(cluster, databases[name], smtp_sink), logs / f"{name}.log"
        ).start()
        for name in SERVICES
    }
    try:
        for service in services.values():
            await asyncio.to_thread(service.wait_ready, 90)
        urls = {name: s.url for name, s in services.items()}
        queues = cluster.queues()
        # Three replicas of every quorum queue on a 3-node cluster (RabbitMQ 3.10's default).
        for name in WORK_QUEUES:
            assert len(queues[name]["members"]) == 3, queues[name]  # type: ignore[arg-type]
        assert all(q["type"] == "quorum" for q in queues.values()), queues

        code = "cluster-burst"
        await _create_forum(urls, code)
        bodies = [attendee("cluster", i) for i in range(BURST)]
        progress = [0]
        rows: list[dict[str, Any]] = []
        events: list[tuple[float, str]] = []
        started = time.monotonic()
        sampler = asyncio.create_task(_sample(progress, smtp_sink, urls, rows))
        sending = asyncio.create_task(
            burst(
                urls["registration"],
                code,
                bodies,
                concurrency=CONCURRENCY,
                within_s=600,
                progress=progress,
            )
        )

        def note(what: str) -> None:
            events.append((time.monotonic() - started, what))
            print(f"\n{time.monotonic() - started:6.1f}s {what}", flush=True)

        # 1. The node leading the busiest work queue.
        await wait_progress(progress, BURST // 5, within_s=120)
        queues = cluster.queues()
        # Most messages ready; on a tie, the queue that gets one message per registration.
        busiest = max(
            WORK_QUEUES,
            key=lambda n: (int(str(queues[n]["messages"])), n == "notifications.registration"),
        )
        leader = cluster.by_name(str(queues[busiest]["leader"]))
        await asyncio.to_thread(leader.kill9)
        note(f"kill -9 {leader.nodename} (leader of {busiest})")

        # 2. A node a service is connected to (one of the two left), once services moved on.
        await wait_progress(progress, BURST // 2, within_s=180)
        connected = [
            (name, node)
            for name, node in await asyncio.to_thread(cluster.connections)
            if name.startswith("forum-") and node is not leader
        ]
        assert connected, "no service connection on a surviving node"
        chosen = next((c for c in connected if c[0] == "forum-notifications"), connected[0])
        second = chosen[1]
        await asyncio.to_thread(second.kill9)
        note(f"kill -9 {second.nodename} (carried {chosen[0]}); quorum lost")

        # 3. Both back.
        await asyncio.sleep(3)
        note("restarting both nodes")
        await asyncio.gather(
            asyncio.to_thread(leader.start, 90), asyncio.to_thread(second.start, 90)
        )
        note("both nodes back")

        result = await sending
        note(f"burst answered ({result.summary()['stored']} stored)")
        emails = [b["email"] for b in bodies]

        # Every registration stored, once.
        assert not result.failed, f"not stored per the API: {result.summary()}"
        stored, _ = await invariants.stored_emails(
            urls["registration"], ADMIN_TOKEN, code, registration_db=_db(services["registration"])
        )
        assert sorted(stored) == sorted(emails)

        # Exactly one confirmation email per registration, no Message-ID twice.
        report, _ = await invariants.wait_for_mail(smtp_sink, emails, within_s=240)
        note("all emails received" if not report.missing else "mail wait gave up")
        settled, _ = await invariants.wait_settled(
            _db(services["notifications"]), code, within_s=60
        )
        await asyncio.sleep(3)  # a late repeat would have arrived by now
        sampler.cancel()
        report.mails = smtp_sink.messages
        _print_throughput(rows, events)
        summary = report.summary()
        print(f"\nCLUSTER-RESULT {json.dumps({'burst': result.summary(), 'mail': summary})}")
        assert not report.missing, summary
        assert settled
        assert summary["received"] == BURST, summary
        assert not report.repeated_message_ids, summary
        assert not report.recipients_with_distinct_ids, summary

        statuses, _ = await invariants.wait_ready(urls, within_s=30)
        assert all(s == 200 for s in statuses.values()), statuses
        online = cluster.queues()
        for name in WORK_QUEUES:
            assert len(online[name]["members"]) == 3, online[name]  # type: ignore[arg-type]
    finally:
        for service in services.values():
            service.stop()


def _db(service: ServiceProcess) -> str:
    return service.env["FORUM_DATABASE_URL"]
