"""The first flow across three processes: forum → registration → confirmation email.

Each service runs as its own `forum run …` process with its own PostgreSQL database, on a
fresh RabbitMQ vhost, sending to a real SMTP server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import ServiceProcess, free_port
from tests.support.smtp import SmtpSink

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

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


async def test_a_registration_over_http_produces_exactly_one_confirmation_email(
    platform: dict[str, ServiceProcess], smtp_sink: SmtpSink
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        created = await http.put(
            f"{platform['schedule'].url}/v1/forums/promenergovolga-2030",
            json=FORUM,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert created.status_code == 201, created.text

        registration = {
            "full_name": "Иванова Мария Сергеевна",
            "email": "maria.ivanova@example.ru",
            "organization": "АО «Волгоградский завод»",
            "region": "Волгоградская область",
            "category": "delegate",
            "locale": "ru",
            "consents": {"personal_data": True},
        }
        url = f"{platform['registration'].url}/v1/forums/promenergovolga-2030/registrations"
        # The registration service learns of the forum from the bus: until then it answers 404.
        deadline = time.monotonic() + 30  # generous: CI machines can be busy
        while True:
            answer = await http.post(url, json=registration)
            if answer.status_code != 404 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["status"] == "confirmed"
        assert body["manage_token"]

    [mail] = await smtp_sink.wait_for(1, within_s=20)
    message = mail.message
    assert mail.recipients == ["maria.ivanova@example.ru"]
    assert "Иванова Мария Сергеевна" in str(message["To"])
    assert "ПромЭнергоVolga2022" in str(message["Subject"])
    assert message["Message-ID"]
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "Волгоград Арена" in text.get_content()
    await asyncio.sleep(2)  # anything duplicated would have arrived by now
    assert len(smtp_sink.messages) == 1
