"""A worker killed (SIGKILL) in the middle of a digest fan-out loses no email and sends none
twice, except an email in flight at the kill (SMTP 250 received, commit not reached), which is
sent again with the very same Message-ID — the documented at-least-once window."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from tests.notifications.factories import MAIL_FROM, attendee_registered, forum_updated
from tests.notifications.integration.helpers import publish
from tests.notifications.programme_factories import Scenario
from tests.support.processes import ServiceProcess, free_port
from tests.support.smtp import SmtpSink

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PEOPLE = 100
CONCURRENCY = 4


def worker(name: str, env: dict[str, str], tmp_path: Path) -> ServiceProcess:
    folder = tmp_path / name
    folder.mkdir()
    return ServiceProcess(
        "notifications", free_port(), {**env, "FORUM_VAR_DIR": str(folder)}, folder / "log.txt"
    )


MESSAGE_ID = re.compile(rb"^Message-ID: (<[^>]+\.schedule_digest@[^>]+>)", re.MULTILINE)


def digests(sink: SmtpSink) -> list[str]:
    """Message-IDs of the digests received (read from raw headers: parsing 300 MIME
    messages on every poll would be slower than the fan-out itself)."""
    found = (MESSAGE_ID.search(m.raw.split(b"\r\n\r\n", 1)[0]) for m in sink.messages)
    return [match.group(1).decode() for match in found if match]


async def until(condition: object, within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {within_s} s")
        await asyncio.sleep(0.05)


async def test_killing_a_worker_mid_fan_out_loses_and_duplicates_nothing(
    amqp_url: str, database_url: str, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    env = {
        "FORUM_ENV": "test",
        "FORUM_AMQP_URL": amqp_url,
        "FORUM_DATABASE_URL": database_url,
        "FORUM_SMTP_URL": smtp_sink.url,
        "FORUM_MAIL_FROM": MAIL_FROM,
        "FORUM_SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
        "FORUM_ADMIN_TOKEN": "test-admin-token",
        "FORUM_RETRY_DELAYS_MS": "[200,500,1000,2000,4000]",
        "FORUM_RELAY_POLL_INTERVAL_S": "0.1",
        "FORUM_SMTP_TIMEOUT_S": "1",
        "FORUM_SMTP_RATE_PER_S": "25",
        "FORUM_SMTP_CONCURRENCY": str(CONCURRENCY),
        "FORUM_LOG_JSON": "false",
        "FORUM_GRACEFUL_TIMEOUT_S": "3",
    }
    first, second = worker("a", env, tmp_path), worker("b", env, tmp_path)
    try:
        for process in (first, second):
            process.start()
            await asyncio.to_thread(process.wait_ready)
        world = Scenario()
        people = [
            attendee_registered(
                registration_id=uuid.uuid4(),
                full_name=f"Участник №{i}",
                email=f"person{i}@example.ru",
                agenda=world.attendee("x", "x@x.ru", [world.s1, world.s2]).data["agenda"],
            )
            for i in range(PEOPLE)
        ]
        await publish(amqp_url, forum_updated(), *world.setup_events(), *people)
        await smtp_sink.wait_for(PEOPLE, within_s=30)
        await publish(amqp_url, world.release(), *world.session_events())
        await until(lambda: len(digests(smtp_sink)) >= 20, 30, "fan-out under way")
        first.kill()
        killed_at = len(digests(smtp_sink))
        await until(
            lambda: len(set(digests(smtp_sink))) >= PEOPLE + 1, 40, "every digest delivered"
        )
    finally:
        first.kill()
        second.stop()

    recipients = {m.recipients[0] for m in smtp_sink.messages if b".schedule_digest@" in m.raw}
    assert recipients == {f"person{i}@example.ru" for i in range(PEOPLE)} | {"petrov@example.ru"}
    repeats = {mid: n for mid, n in Counter(digests(smtp_sink)).items() if n > 1}
    assert all(n == 2 for n in repeats.values()), repeats
    # Only what was sent but not yet committed at the kill: the sends in flight plus one
    # group commit's worth (outcomes are settled by group commit).
    assert len(repeats) <= 2 * CONCURRENCY, repeats
    assert killed_at < PEOPLE  # the kill really landed mid fan-out
