"""Poison messages on a work queue: they end in the DLQ with their reason, the queue keeps
flowing past them, and the operator replays them with `forum dlq replay` after the fix.

Two kinds of poison, one per dead-lettering path:
- a handler that keeps failing (an attendee of a forum notifications has never heard of):
  the consumer's own retries through the delay queues run out → DLQ with the reason;
- a delivery that crashes the consumer before the handler (a garbage `x-forum-retries`
  header): the message is rejected with requeue, the quorum queue counts the deliveries and
  dead-letters it at `x-delivery-limit` (the broker's path, reason `delivery_limit`).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.common import AttendeeCategory, RegistrationStatus
from forum_shared.contracts.registration import AttendeeRegistered
from forum_shared.messaging.rabbit import RETRIES_HEADER

from tests.faults.conftest import PlatformFactory
from tests.faults.platform import BURST, FaultPlatform, Measure
from tests.support import invariants
from tests.support.burst import attendee, burst
from tests.support.processes import FORUM, ROOT

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

QUEUE = "notifications.registration"
DLQ = f"{QUEUE}.dlq"
RETRIES = [200, 400, 800]
GOOD_FORUM = "fault-flowing"


def registered_event(forum: str, email: str) -> EventEnvelope:
    return EventEnvelope.wrap(
        AttendeeRegistered(
            registration_id=uuid.uuid4(),
            version=1,
            full_name="Отравленное Сообщение",
            email=email,
            region="Волгоградская область",
            category=AttendeeCategory.DELEGATE,
            status=RegistrationStatus.CONFIRMED,
            registered_at=datetime.now(UTC),
        ),
        producer="registration",
        forum=forum,
    )


async def publish(amqp_url: str, envelope: EventEnvelope, headers: dict[str, object]) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("forum.events", ensure=True)
        await exchange.publish(
            aio_pika.Message(
                envelope.model_dump_json().encode(),
                message_id=str(envelope.event_id),
                content_type="application/json",
                headers=headers,  # type: ignore[arg-type]
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=envelope.type,
            mandatory=True,
            timeout=10,
        )
    finally:
        await connection.close()


async def queue_depth(amqp_url: str, name: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        return int(queue.declaration_result.message_count or 0)
    finally:
        await connection.close()


def forum_cli(amqp_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(FORUM), *args] if FORUM.exists() else [sys.executable, "-m", "forum_cli", *args]
    return subprocess.run(
        command,
        env={**os.environ, "FORUM_AMQP_URL": amqp_url, "FORUM_ENV": "test"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(ROOT),
    )


async def dead_letter(amqp_url: str, event_id: uuid.UUID, within_s: float) -> dict[str, Any]:
    """`forum dlq show` of one event, once it is there."""
    deadline = time.monotonic() + within_s
    while True:
        shown = await asyncio.to_thread(forum_cli, amqp_url, "dlq", "show", QUEUE, str(event_id))
        if shown.returncode == 0:
            header, _, body = shown.stdout.partition("\n}\n")
            return {**json.loads(header + "\n}"), "body": body}
        assert time.monotonic() < deadline, f"{event_id} not in {DLQ}: {shown.stderr}"
        await asyncio.sleep(0.5)


async def peek_dead_letter(amqp_url: str, event_id: uuid.UUID, within_s: float) -> dict[str, Any]:
    """The headers of one dead letter, read with aio-pika (not the CLI) and put back."""
    deadline = time.monotonic() + within_s
    while True:
        connection = await aio_pika.connect(amqp_url)
        try:
            channel = await connection.channel()
            queue = await channel.declare_queue(DLQ, passive=True)
            found = None
            while (message := await queue.get(no_ack=False, fail=False)) is not None:
                if message.message_id == str(event_id):
                    found = dict(message.headers or {})
            await channel.close()  # every taken message goes back to the DLQ
        finally:
            await connection.close()
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"{event_id} not in {DLQ}"
        await asyncio.sleep(0.5)


async def purge(amqp_url: str, name: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        await (await channel.declare_queue(name, passive=True)).purge()
    finally:
        await connection.close()


async def flowing_burst(platform: FaultPlatform, tag: str, measure: Measure) -> None:
    """A burst published behind the poison gets every one of its emails, once."""
    n = min(BURST, 200)
    bodies = [attendee(tag, i) for i in range(n)]
    result = await burst(platform.urls["registration"], GOOD_FORUM, bodies, within_s=120)
    assert not result.failed, result.summary()
    measure.values["burst"] = result.summary()
    report, took = await invariants.wait_for_mail(
        platform.sink, [b["email"] for b in bodies], within_s=60
    )
    measure.values["flowing_mail_s"] = round(took, 2)
    assert not report.missing, report.summary()
    assert not report.repeated_message_ids, report.summary()


async def mail_to(platform: FaultPlatform, address: str, *, forum: str) -> int:
    """How many emails `address` got, once nothing of the forum is left to send."""
    settled, _ = await invariants.wait_settled(
        platform.databases["notifications"], forum, within_s=30
    )
    assert settled
    return sum(1 for m in platform.sink.messages if address in m.recipients)


@pytest.fixture(scope="module")
def poison_platform(platforms: PlatformFactory) -> FaultPlatform:
    """Its own platform: short retries ({RETRIES} ms), so a poison dead-letters in seconds."""
    return platforms.make(RETRIES)


@pytest.fixture
async def on_poison_platform(poison_platform: FaultPlatform) -> FaultPlatform:
    await poison_platform.heal()
    await poison_platform.create_forum(GOOD_FORUM, capacity=BURST * 2)
    return poison_platform


@pytest.mark.timeout(120)
async def test_a_failing_handler_dead_letters_after_its_retries_and_replays_after_the_fix(
    on_poison_platform: FaultPlatform,
) -> None:
    platform, measure = on_poison_platform, Measure("poison-handler")
    url = platform.direct_amqp_url
    try:
        # An attendee of a forum the notifications service has not heard of: it keeps failing.
        unknown_forum = f"fault-not-yet-{uuid.uuid4().hex[:6]}"
        address = f"poison-{unknown_forum}@faults.test"
        poison = registered_event(unknown_forum, address)
        await publish(url, poison, {})
        await flowing_burst(platform, "poison-h", measure)

        dead = await dead_letter(url, poison.event_id, within_s=30)
        measure.mark("dead_lettered_s")
        reason = str(dead["reason"])
        assert f"gave up after {len(RETRIES)} retries" in reason, reason
        assert "ForumNotKnownYet" in reason, reason
        assert await queue_depth(url, QUEUE) == 0
        listing = await asyncio.to_thread(forum_cli, url, "dlq", "list", QUEUE)
        assert str(poison.event_id) in listing.stdout, listing.stdout
        assert "1 dead letter(s)" in listing.stdout, listing.stdout
        assert not [m for m in platform.sink.messages if address in m.recipients]

        # The fix (the forum is published), then the operator replays it.
        await platform.create_forum(unknown_forum, capacity=10)
        assert await invariants.wait_replica_forum(
            platform.databases["notifications"], unknown_forum, within_s=30
        )
        replayed = await asyncio.to_thread(
            forum_cli, url, "dlq", "replay", QUEUE, "--id", str(poison.event_id)
        )
        assert replayed.returncode == 0, replayed.stderr
        assert "replayed 1 message(s)" in replayed.stdout, replayed.stdout
        report, took = await invariants.wait_for_mail(platform.sink, [address], within_s=60)
        measure.values["replayed_mail_s"] = round(took, 2)
        assert not report.missing
        assert await queue_depth(url, DLQ) == 0
        assert await mail_to(platform, address, forum=unknown_forum) == 1
    finally:
        measure.emit()


@pytest.mark.timeout(120)
async def test_a_delivery_that_crashes_the_consumer_is_dead_lettered_at_the_delivery_limit(
    on_poison_platform: FaultPlatform,
) -> None:
    platform, measure = on_poison_platform, Measure("poison-delivery-limit")
    url = platform.direct_amqp_url
    address = f"poison-crash-{uuid.uuid4().hex[:6]}@faults.test"
    poison = registered_event(GOOD_FORUM, address)
    try:
        # The consumer fails before its handler (it cannot read the retry count) and rejects
        # with requeue: only the quorum queue's delivery count stops the loop.
        await publish(url, poison, {RETRIES_HEADER: "not-a-number"})
        await flowing_burst(platform, "poison-c", measure)
        headers = await peek_dead_letter(url, poison.event_id, within_s=30)
        measure.mark("dead_lettered_s")
        deaths = headers.get("x-death") or []
        assert deaths, headers
        death = deaths[0]
        assert death.get("reason") == "delivery_limit", death
        assert death.get("queue") == QUEUE, death
        log = platform.services["notifications"].log_path.read_text(errors="replace")
        measure.values["requeues_logged"] = log.count("could not settle")
        assert await queue_depth(url, QUEUE) == 0
        assert not [m for m in platform.sink.messages if address in m.recipients]
    finally:
        measure.emit()
        await purge(url, DLQ)


@pytest.mark.timeout(120)
async def test_the_operator_can_show_and_replay_a_dead_letter_with_a_bad_retry_header(
    on_poison_platform: FaultPlatform,
) -> None:
    platform = on_poison_platform
    url = platform.direct_amqp_url
    address = f"poison-replay-{uuid.uuid4().hex[:6]}@faults.test"
    poison = registered_event(GOOD_FORUM, address)
    try:
        await publish(url, poison, {RETRIES_HEADER: "not-a-number"})
        await peek_dead_letter(url, poison.event_id, within_s=30)
        dead = await dead_letter(url, poison.event_id, within_s=5)
        assert "delivery_limit" in str(dead["reason"]), dead
        replayed = await asyncio.to_thread(
            forum_cli, url, "dlq", "replay", QUEUE, "--id", str(poison.event_id)
        )
        assert "replayed 1 message(s)" in replayed.stdout, replayed.stderr
        report, _ = await invariants.wait_for_mail(platform.sink, [address], within_s=30)
        assert not report.missing
        assert await mail_to(platform, address, forum=GOOD_FORUM) == 1
    finally:
        await purge(url, DLQ)
