"""The first flow across three processes: forum → registration → confirmation email.

Each service runs as its own `forum run …` process with its own PostgreSQL database, on a
fresh RabbitMQ vhost, sending to a real SMTP server.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.e2e.conftest import ADMIN_TOKEN, FORUM
from tests.support.processes import ServiceProcess
from tests.support.smtp import SmtpSink

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


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
