"""`forum dev`: the whole platform in one process on the embedded defaults, driven over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from forum_cli.dev import SERVICE_MODULES, create_dev_app
from forum_cli.mailbox import DevMailbox
from forum_shared.settings import ForumSettings
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

FORUM = {
    "title": {"ru": "ПромЭнергоVolga2022", "en": "PromEnergoVolga 2022"},
    "venue": {"ru": "Волгоград Арена", "en": "Volgograd Arena"},
    "timezone": "Europe/Volgograd",
    "starts_on": "2030-11-23",
    "ends_on": "2030-11-25",
    "capacity": 100,
}


@pytest.fixture(params=["embedded-bus", pytest.param("rabbitmq", marks=pytest.mark.integration)])
async def dev_platform(
    request: pytest.FixtureRequest, tmp_path: Path, make_settings: Callable[..., ForumSettings]
) -> AsyncIterator[tuple[httpx.AsyncClient, DevMailbox]]:
    # `forum dev` runs on the in-process bus, or on RabbitMQ when FORUM_AMQP_URL is set.
    amqp_url = request.getfixturevalue("amqp_url") if request.param == "rabbitmq" else None
    settings = make_settings(var_dir=tmp_path / "var", amqp_url=amqp_url, database_url=None)
    mailbox = DevMailbox(tmp_path / "var" / "mail")
    mailbox.start()
    app = create_dev_app(settings, mailbox=mailbox)
    try:
        async with app.platform.router.lifespan_context(app.platform):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://dev") as client:
                yield client, mailbox
    finally:
        mailbox.stop()


async def test_a_registration_in_dev_mode_shows_its_confirmation_in_the_mailbox(
    dev_platform: tuple[httpx.AsyncClient, DevMailbox], tmp_path: Path
) -> None:
    client, mailbox = dev_platform
    admin = {"Authorization": "Bearer test-admin-token"}
    assert (await client.put("/v1/forums/dev-forum", json=FORUM, headers=admin)).status_code == 201
    registration = {
        "full_name": "Петров Пётр Петрович",
        "email": "petr@example.ru",
        "organization": "ООО «Энергия»",
        "region": "Волгоградская область",
        "category": "delegate",
        "consents": {"personal_data": True},
    }
    deadline = time.monotonic() + 10
    while (
        answer := await client.post("/v1/forums/dev-forum/registrations", json=registration)
    ).status_code == 404:
        assert time.monotonic() < deadline, "registration never learned of the forum"
        await asyncio.sleep(0.05)
    assert answer.status_code == 201, answer.text

    deadline = time.monotonic() + 10
    while not mailbox.list():
        assert time.monotonic() < deadline, "no email in the dev mailbox"
        await asyncio.sleep(0.05)
    page = await client.get("/dev/mail")
    assert "ПромЭнергоVolga2022" in page.text
    assert "Петров Пётр Петрович" in page.text
    assert (tmp_path / "var" / "registration.db").exists()

    ready = (await client.get("/health/ready")).json()
    assert ready["ok"] is True
    assert {report["service"] for report in ready["services"]} == set(SERVICE_MODULES)
    metrics = (await client.get("/metrics")).text
    assert (
        'forum_messages_handled_total{outcome="done",queue="notifications.registration"' in metrics
    )
    assert 'route="/v1/forums/{code}/registrations",service="registration",status="201"' in metrics


async def test_the_demo_forum_is_loaded_on_first_start_and_open_for_registration(
    dev_platform: tuple[httpx.AsyncClient, DevMailbox],
) -> None:
    client, _ = dev_platform
    programme = await client.get("/v1/forums/promenergovolga-2022/programme")
    assert programme.status_code == 200
    assert "ПромЭнергоVolga2022" in programme.text
    assert "Пленарное заседание" in programme.text
    registration = {
        "full_name": "Сидорова Анна",
        "email": "anna@example.ru",
        "organization": "Пресс-служба",
        "region": "Республика Беларусь",
        "category": "guest",
        "consents": {"personal_data": True},
    }
    deadline = time.monotonic() + 10
    while True:
        answer = await client.post(
            "/v1/forums/promenergovolga-2022/registrations", json=registration
        )
        if answer.status_code != 404 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert answer.status_code == 201, answer.text


async def test_dev_mode_serves_one_openapi_document_for_all_services(
    dev_platform: tuple[httpx.AsyncClient, DevMailbox],
) -> None:
    client, _ = dev_platform
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/v1/forums/{code}/registrations" in paths
    assert "/dev/mail" in paths
    assert any(
        path.startswith("/v1/forums/{code}") and "registrations" not in path for path in paths
    )


async def test_one_trace_runs_from_the_registration_request_to_the_smtp_send(
    dev_platform: tuple[httpx.AsyncClient, DevMailbox], spans: InMemorySpanExporter
) -> None:
    client, mailbox = dev_platform
    registration = {
        "full_name": "Трассировка Проверочная",
        "email": "trace@example.ru",
        "organization": "ООО «Энергия»",
        "region": "Волгоградская область",
        "category": "guest",
        "consents": {"personal_data": True},
    }
    url = "/v1/forums/promenergovolga-2022/registrations"
    deadline = time.monotonic() + 10
    while (answer := await client.post(url, json=registration)).status_code == 404:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert answer.status_code == 201, answer.text
    request_name = f"POST {url.replace('promenergovolga-2022', '{code}')}"
    request = next(
        s
        for s in spans.get_finished_spans()
        if s.name == request_name and (s.attributes or {}).get("http.response.status_code") == 201
    )

    def in_trace() -> set[str]:
        trace_id = request.context.trace_id
        return {s.name for s in spans.get_finished_spans() if s.context.trace_id == trace_id}

    deadline = time.monotonic() + 15
    while "smtp send" not in in_trace():
        assert time.monotonic() < deadline, in_trace()
        await asyncio.sleep(0.05)
    assert {
        "publish registration.attendee.registered",
        "process notifications.registration",
    } <= in_trace()
    del mailbox
