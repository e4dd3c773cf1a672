"""The three services as separate `forum run …` processes on RabbitMQ, PostgreSQL and SMTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import ServiceProcess, free_port
from tests.support.smtp import ReceivedMail, SmtpSink

ADMIN_TOKEN = "e2e-admin-token-0123456789"
FORUM = {
    "title": {"ru": "ПромЭнергоVolga2022", "en": "PromEnergoVolga 2022"},
    "venue": {"ru": "Волгоград Арена", "en": "Volgograd Arena"},
    "timezone": "Europe/Volgograd",
    "starts_on": "2030-11-23",
    "ends_on": "2030-11-25",
    "capacity": 500,
}


@pytest.fixture
def platform(
    tmp_path: Path,
    amqp_url: str,
    create_database: Callable[[], str],
    smtp_sink: SmtpSink,
) -> Iterator[dict[str, ServiceProcess]]:
    common = {
        "FORUM_ENV": "test",
        "FORUM_AMQP_URL": amqp_url,
        "FORUM_SMTP_URL": smtp_sink.url,
        "FORUM_MAIL_FROM": "Форум <noreply@forum.test>",
        "FORUM_ADMIN_TOKEN": ADMIN_TOKEN,
        "FORUM_SECRET_KEY": "e2e-secret-key-0123456789abcdef0123456789",
        "FORUM_PUBLIC_URL": "http://forum.test",
        "FORUM_RETRY_DELAYS_MS": "[300, 1000, 2000, 5000]",
        "FORUM_RELAY_POLL_INTERVAL_S": "0.2",
    }
    services = {
        name: ServiceProcess(
            name,
            free_port(),
            {**common, "FORUM_DATABASE_URL": create_database()},
            tmp_path / f"{name}.log",
        ).start()
        for name in ("schedule", "registration", "notifications")
    }
    try:
        for service in services.values():
            service.wait_ready()
        yield services
    finally:
        for service in services.values():
            service.stop()


def template_of(mail: ReceivedMail) -> str:
    """The template an email came from: the last part of its deterministic Message-ID."""
    local_part = str(mail.message["Message-ID"]).strip("<>").split("@")[0]
    return local_part.rsplit(".", 1)[1]


async def retry_while(
    call: Callable[[], Any], statuses: set[int], within_s: float = 30.0
) -> httpx.Response:
    """Repeat a request while it answers one of `statuses` (a replica not caught up yet)."""
    deadline = time.monotonic() + within_s
    while True:
        answer: httpx.Response = await call()
        if answer.status_code not in statuses or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.2)
