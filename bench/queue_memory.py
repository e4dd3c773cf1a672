"""RabbitMQ memory and disk per queued registration event (docs/scaling.md, broker sizing).

    .venv/bin/python -m bench.queue_memory [--events 20000]

Starts a private RabbitMQ node (`tests.support.private_rabbitmq`: own name, ports and data
directory; the machine's node is never touched), declares the platform's topology with no
consumer running, and publishes N `registration.attendee.registered` events the way the
registration service's relay does (`RabbitBus.publish`: persistent, mandatory, confirmed,
with a `traceparent` header), in concurrent batches of 100 like the relay. Before and after
it reads the node's memory (`rabbitmqctl status`), each queue's `memory` and `messages`
(`list_queues`) and the size of the node's data directory, and prints them as JSON. The
figures are broker-side sizes, not rates, so the machine's load does not move them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.common import AttendeeCategory, RegistrationStatus
from forum_shared.contracts.registration import AgendaEntry, AttendeeRegistered
from forum_shared.messaging.outbox import OutgoingMessage
from forum_shared.messaging.rabbit import RabbitBus
from forum_shared.settings import ForumSettings

from tests.support.private_rabbitmq import PrivateRabbitMQ

RELAY_BATCH = 100
# A trace context as the relay sends it when tracing is on (the W3C header, 55 characters).
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def registration_event(index: int) -> OutgoingMessage:
    """A registration of the size the HTTP API produces: full contact details, three sessions."""
    envelope = EventEnvelope.wrap(
        AttendeeRegistered(
            registration_id=uuid.uuid4(),
            version=1,
            full_name=f"Константинопольская Александра Владимировна {index:05d}",
            email=f"aleksandra.konstantinopolskaya.{index:05d}@volgograd-energo.ru",
            phone="+7 (8442) 55-12-34",
            organization="АО «Волгоградский завод энергетического машиностроения»",
            position="Заместитель главного инженера по перспективному развитию",
            region="Волгоградская область",
            category=AttendeeCategory.DELEGATE,
            status=RegistrationStatus.CONFIRMED,
            agenda=[AgendaEntry(session_id=uuid.uuid4()) for _ in range(3)],
            registered_at=datetime.now(UTC),
        ),
        producer="registration",
        forum="promenergovolga-2030",
    )
    return OutgoingMessage(
        envelope.event_id,
        envelope.type,
        envelope.model_dump_json().encode(),
        {"traceparent": TRACEPARENT},
    )


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def node_rss_bytes(node: PrivateRabbitMQ) -> int:
    pid = node.beam_pid()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def snapshot(node: PrivateRabbitMQ, vhost: str) -> dict[str, Any]:
    status = json.loads(node.ctl_output("status", "--formatter", "json"))
    memory = status["memory"]
    queues = json.loads(
        node.ctl_output(
            "list_queues", "-p", vhost, "name", "messages", "memory", "--formatter", "json"
        )
    )
    return {
        "erlang_total": memory["total"]["erlang"],
        "breakdown": {k: v for k, v in memory.items() if k != "total" and isinstance(v, int)},
        "rss": node_rss_bytes(node),
        "data_dir": dir_bytes(node.base_dir / "mnesia"),
        "queues": {q["name"]: (q["messages"], q["memory"]) for q in queues},
    }


async def publish_all(url: str, events: int) -> tuple[int, float]:
    settings = ForumSettings(env="test", amqp_url=url, publish_timeout_s=30)
    bus = RabbitBus(settings, service="registration", consumers=[])
    await bus.start()
    started = time.monotonic()
    body_bytes = 0
    try:
        for first in range(0, events, RELAY_BATCH):
            batch = [registration_event(i) for i in range(first, min(first + RELAY_BATCH, events))]
            body_bytes += sum(len(m.body) for m in batch)
            await asyncio.gather(*(bus.publish(m) for m in batch))
    finally:
        await bus.stop()
    return body_bytes, time.monotonic() - started


def per_event(before: dict[str, Any], after: dict[str, Any], key: str, events: int) -> float:
    return round((after[key] - before[key]) / events, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--settle-s", type=float, default=30.0)
    args = parser.parse_args()
    node = PrivateRabbitMQ().prepare()
    vhost = "queue-memory"
    try:
        node.start()
        node.ctl("add_vhost", vhost)
        node.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        url = f"{node.url}{vhost}"
        # Declare the topology (no consumers: every event stays queued), then the baseline.
        asyncio.run(publish_all(url, 0))
        time.sleep(args.settle_s / 3)
        before = snapshot(node, vhost)
        body_bytes, took = asyncio.run(publish_all(url, args.events))
        right_after = snapshot(node, vhost)
        time.sleep(args.settle_s)
        after = snapshot(node, vhost)
        copies = sum(m for m, _ in after["queues"].values())
        result = {
            "events": args.events,
            "mean_body_bytes": round(body_bytes / args.events),
            "queued_copies": copies,
            "queues_after": {n: v for n, v in after["queues"].items() if v[0]},
            "publish_s": round(took, 1),
            "loadavg": os.getloadavg()[0],
            "per_event_bytes": {
                "erlang_total_right_after": per_event(
                    before, right_after, "erlang_total", args.events
                ),
                "erlang_total_settled": per_event(before, after, "erlang_total", args.events),
                "rss_settled": per_event(before, after, "rss", args.events),
                "data_dir_settled": per_event(before, after, "data_dir", args.events),
            },
            "breakdown_delta_settled": {
                k: after["breakdown"][k] - before["breakdown"].get(k, 0)
                for k in after["breakdown"]
                if abs(after["breakdown"][k] - before["breakdown"].get(k, 0)) > 1_000_000
            },
            "before": {k: before[k] for k in ("erlang_total", "rss", "data_dir")},
            "after": {k: after[k] for k in ("erlang_total", "rss", "data_dir")},
            "rabbitmq": node.ctl_output("version").strip(),
        }
        print(json.dumps(result, ensure_ascii=False, indent=1))
    finally:
        node.destroy()


if __name__ == "__main__":
    main()
