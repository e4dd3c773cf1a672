"""The broker refusing publishes: a memory or disk alarm, and a work queue at its length limit.

Both run on the fault suite's private RabbitMQ node (alarms are node-wide; the machine's own
broker is never touched) and undo themselves in `finally`. What they prove, for the capacity
plan in docs/scaling.md:

- an alarm (`connection.blocked`) stops publishing, not registering: HTTP registrations are
  answered and stored, the events wait in the outbox, readiness stays 200 and says that
  publishing is blocked, the relay retries at the pace of its publish timeout and back-off
  (no spinning, no crash), and once the alarm clears every event is published, each to
  its consumers once (a publish caught in flight by the alarm may reach the queue twice);
- a queue over its `max-length` with `x-overflow: reject-publish` nacks the publish: the row
  stays in the outbox with the nack as its last error and is published again once the queue
  has drained, so every registration still gets exactly one confirmation.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
import httpx
import pytest
from forum_shared.messaging.outbox_status import OutboxStatus, read_outbox_status
from forum_shared.messaging.topology import EVENTS_EXCHANGE_NAME

from tests.deploy.conftest import DEPLOY
from tests.faults.platform import (
    BURST,
    CONCURRENCY,
    SCENARIO_TIMEOUT_S,
    FaultPlatform,
    Measure,
    check_invariants,
)
from tests.support import invariants
from tests.support.burst import BurstResult, attendee, burst
from tests.support.private_rabbitmq import PrivateRabbitMQ

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

# The behaviour does not depend on the burst's size; a small one keeps each test short.
N = min(BURST, 50)
PUBLISH_TIMEOUT_S = 5.0  # FORUM_PUBLISH_TIMEOUT_S of the fault platform
REGISTERED = "registration.attendee.registered"

# (command, value that raises the alarm, how to read the node's current value)
ALARMS = {
    "memory": (
        "set_vm_memory_high_watermark",
        "0.000001",
        "vm_memory_monitor:get_vm_memory_high_watermark().",
    ),
    "disk": (
        "set_disk_free_limit",
        "100000GB",
        "rabbit_disk_monitor:get_disk_free_limit().",
    ),
}


async def _ctl_output(rabbit: PrivateRabbitMQ, *args: str) -> str:
    return (await asyncio.to_thread(rabbit.ctl_output, *args)).strip()


async def _wait_alarm(rabbit: PrivateRabbitMQ, kind: str, *, raised: bool) -> None:
    deadline = time.monotonic() + 30
    while True:
        alarms = await _ctl_output(rabbit, "eval", "rabbit_alarm:get_alarms().")
        if (f"resource_limit,{kind}," in alarms) == raised:
            return
        assert time.monotonic() < deadline, f"{kind} alarm raised={raised} never seen: {alarms}"
        await asyncio.sleep(0.2)


@asynccontextmanager
async def alarm(rabbit: PrivateRabbitMQ, kind: str) -> AsyncIterator[None]:
    """The node in a `kind` alarm until the block ends; its own setting restored after."""
    command, raising, reading = ALARMS[kind]
    before = await _ctl_output(rabbit, "eval", reading)
    await asyncio.to_thread(rabbit.ctl, command, raising)
    try:
        await _wait_alarm(rabbit, kind, raised=True)
        yield
    finally:
        await asyncio.to_thread(rabbit.ctl, command, before)
        await _wait_alarm(rabbit, kind, raised=False)


@asynccontextmanager
async def spy(platform: FaultPlatform, name: str) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """A queue of its own bound to `registration.attendee.registered`: what was published."""
    connection = await aio_pika.connect(platform.direct_amqp_url, timeout=10)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, durable=True)
        await queue.bind(EVENTS_EXCHANGE_NAME, REGISTERED)
        yield queue
        await queue.delete(if_unused=False, if_empty=False)
    finally:
        await connection.close()


async def forum_events(queue: aio_pika.abc.AbstractQueue, code: str) -> Counter[str]:
    """event_id → copies of this forum's events the spy queue received."""
    copies: Counter[str] = Counter()
    while (message := await queue.get(no_ack=True, fail=False, timeout=10)) is not None:
        body = json.loads(message.body)
        if body.get("forum") == code:
            copies[str(body["event_id"])] += 1
    return copies


async def readiness(platform: FaultPlatform, service: str) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(f"{platform.urls[service]}/health/ready")
        return answer.status_code, answer.json()


async def outbox(platform: FaultPlatform) -> OutboxStatus:
    return await read_outbox_status(platform.databases["registration"], failing_limit=10_000)


async def wait_outbox(
    platform: FaultPlatform, done: Any, what: str, within_s: float = 60
) -> OutboxStatus:
    deadline = time.monotonic() + within_s
    while not done(status := await outbox(platform)):
        assert time.monotonic() < deadline, f"outbox never {what}: {status}"
        await asyncio.sleep(0.2)
    return status


async def post_burst(platform: FaultPlatform, code: str, tag: str) -> tuple[list[str], BurstResult]:
    bodies = [attendee(tag, i) for i in range(N)]
    result = await burst(
        platform.urls["registration"],
        code,
        bodies,
        concurrency=CONCURRENCY,
        within_s=SCENARIO_TIMEOUT_S - 60,
    )
    assert not result.failed, f"registrations refused: {result.summary()}"
    return [b["email"] for b in bodies], result


@pytest.mark.timeout(SCENARIO_TIMEOUT_S)
@pytest.mark.parametrize("kind", list(ALARMS))
async def test_an_alarm_holds_events_in_the_outbox_and_publishes_them_when_it_clears(
    platform: FaultPlatform, kind: str
) -> None:
    measure = Measure(f"{kind}-alarm")
    code = f"fault-{kind}-alarm"
    registration = platform.services["registration"].process
    assert registration is not None
    pid = registration.pid
    try:
        await platform.create_forum(code, capacity=N * 2)
        async with spy(platform, f"spy.{kind}-alarm") as published:
            async with alarm(platform.rabbit, kind):
                alarm_from = time.monotonic()
                emails, result = await post_burst(platform, code, f"{kind}-alarm")
                measure.mark("burst_done_s")
                # The relay has tried and failed at least twice: its rows carry the timeout.
                status = await wait_outbox(
                    platform,
                    lambda s: len(s.failing) == N and min(r.attempts for r in s.failing) >= 2,
                    f"retried every row twice during the {kind} alarm",
                )
                took = time.monotonic() - alarm_from
                measure.values["attempts"] = dict(Counter(r.attempts for r in status.failing))
                assert status.backlog == N, status
                assert {r.last_error for r in status.failing} == {"TimeoutError()"}, status
                # Blocked, an attempt ends only at its timeout: more attempts would be a spin.
                most = max(r.attempts for r in status.failing)
                assert most <= 1 + took / PUBLISH_TIMEOUT_S, (most, took)
                code_ready, report = await readiness(platform, "registration")
                assert code_ready == 200, report
                assert report["publishing"].startswith("blocked"), report
                assert report["outbox"]["backlog"] == N, report
                mail = invariants.MailReport(set(emails), platform.sink.messages)
                assert not mail.ours, "a confirmation was sent during the alarm"
            measure.mark("alarm_cleared_s")
            status = await wait_outbox(platform, lambda s: s.backlog == 0, "emptied")
            measure.mark("outbox_empty_s")
            copies = await forum_events(published, code)
        measure.values["published_twice"] = sum(1 for c in copies.values() if c > 1)
        # Every event published; none once per attempt (each row was tried at least twice
        # during the alarm). RabbitMQ sends `connection.blocked` only when a blocked
        # connection publishes, so the publishes written just before it arrived are held
        # unread, time out, and reach the queue twice after the alarm: the inboxes absorb
        # those (one confirmation each is checked below).
        assert len(copies) == N and max(copies.values()) <= 2, copies
        assert registration.poll() is None and registration.pid == pid, "registration restarted"
        code_ready, report = await readiness(platform, "registration")
        assert code_ready == 200 and report["publishing"] == "ok", report
        await check_invariants(
            platform, code, emails, result, measure, mail_within_s=60, settle_within_s=60
        )
    finally:
        measure.emit()


GUARDED = "notifications.registration"
LIMIT = 20  # the plan's guard is 200,000; a small one so that a short burst overflows it


async def depth(platform: FaultPlatform, queue: str) -> int:
    connection = await aio_pika.connect(platform.direct_amqp_url, timeout=10)
    try:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)
    finally:
        await connection.close()


def shipped_length_guard() -> dict[str, Any]:
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    [guard] = [p for p in definitions["policies"] if "max-length" in p["definition"]]
    return dict(guard)


@asynccontextmanager
async def length_guard(platform: FaultPlatform, queue: str, limit: int) -> AsyncIterator[None]:
    """The capacity plan's guard as shipped in deploy/rabbitmq/definitions.json (its name and
    pattern), with a small `max-length` so that a short burst overflows it (the queue itself
    declares `x-overflow: reject-publish`)."""
    guard = shipped_length_guard()
    name, pattern = guard["name"], guard["pattern"]
    assert re.fullmatch(pattern, queue), (pattern, queue)
    vhost = ("-p", platform.vhost)
    definition = json.dumps({**guard["definition"], "max-length": limit})
    await asyncio.to_thread(
        platform.rabbit.ctl,
        "set_policy",
        *vhost,
        "--apply-to",
        guard["apply-to"],
        name,
        pattern,
        definition,
    )
    try:
        deadline = time.monotonic() + 30
        while name not in await _ctl_output(
            platform.rabbit, "list_queues", *vhost, "name", "policy"
        ):
            assert time.monotonic() < deadline, "the length policy never applied"
            await asyncio.sleep(0.2)
        yield
    finally:
        await asyncio.to_thread(platform.rabbit.ctl, "clear_policy", *vhost, name)


@pytest.mark.timeout(SCENARIO_TIMEOUT_S)
async def test_a_full_queue_nacks_and_the_outbox_publishes_again_once_it_drains(
    platform: FaultPlatform,
) -> None:
    measure = Measure("queue-length-guard")
    code = "fault-length-guard"
    notifications = platform.services["notifications"]
    try:
        await platform.create_forum(code, capacity=N * 2)
        async with length_guard(platform, GUARDED, LIMIT):
            # No consumer: the queue fills up to its limit and then refuses.
            await asyncio.to_thread(notifications.stop)
            queued_before = await depth(platform, GUARDED)
            emails, result = await post_burst(platform, code, "length-guard")
            measure.mark("burst_done_s")
            deadline = time.monotonic() + 60
            while True:
                status = await outbox(platform)
                queued = await depth(platform, GUARDED) - queued_before
                # Settled: every event is either in the queue or a row the relay was refused.
                if status.backlog + queued == N and len(status.failing) == status.backlog:
                    break
                assert time.monotonic() < deadline, (status, queued)
                await asyncio.sleep(0.2)
            measure.values.update(queued=queued, refused=status.backlog)
            assert status.backlog > 0 and queued >= LIMIT - queued_before, (status, queued)
            errors = {r.last_error or "" for r in status.failing}
            assert all("DeliveryError" in e and "Nack" in e for e in errors), errors
            code_ready, report = await readiness(platform, "registration")
            assert code_ready == 200 and report["outbox"]["backlog"] == status.backlog, report
            # The consumer back: the queue drains and the refused rows get in, guard still on.
            await platform.start_service("notifications")
            measure.mark("consumer_back_s")
            await wait_outbox(platform, lambda s: s.backlog == 0, "emptied", within_s=90)
            measure.mark("outbox_empty_s")
        await check_invariants(
            platform, code, emails, result, measure, mail_within_s=60, settle_within_s=60
        )
    finally:
        measure.emit()
