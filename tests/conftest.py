"""Fixtures every test tier shares: real services per test, isolated from each other."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from forum_shared.settings import ForumSettings
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.support import orphans
from tests.support.services import Broker, database_url_named, postgresql, rabbitmq
from tests.support.smtp import SmtpSink

pytest_plugins = ["tests.support.hang_report"]


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controlling run has done this
    orphans.mark_this_run()
    killed = orphans.kill_orphans_of_ended_runs()
    if killed:
        print(f"killed {len(killed)} processes left by an earlier, killed test run: {killed}")


# One tracer provider per process (OpenTelemetry allows one): spans are kept in memory.
SPANS = InMemorySpanExporter()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(SPANS))
trace.set_tracer_provider(_provider)


@pytest.fixture
def spans() -> InMemorySpanExporter:
    SPANS.clear()
    return SPANS


@pytest.fixture(scope="session")
def broker_server() -> Iterator[Broker]:
    with rabbitmq() as broker:
        yield broker


@pytest.fixture
def amqp_url(broker_server: Broker) -> Iterator[str]:
    """A fresh vhost per test: no test ever sees another's queues or messages."""
    with broker_server.fresh_vhost() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    with postgresql() as url:
        yield url


@pytest.fixture
def create_database(postgres_admin_url: str) -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL databases for this test and drops them afterwards."""
    import asyncio

    created: list[str] = []
    dsn = postgres_admin_url.replace("postgresql+asyncpg://", "postgresql://")

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def create() -> str:
        name = f"forum_test_{uuid.uuid4().hex[:12]}"
        _run(execute(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return database_url_named(postgres_admin_url, name)

    def _run(coro: Any) -> None:
        # Runs outside any test loop (fixture set-up/tear-down), so a private loop is safe.
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(coro)
        finally:
            loop.close()

    yield create
    for name in created:
        _run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(create_database: Callable[[], str]) -> str:
    return create_database()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., ForumSettings]:
    """Settings for a service under test: short retries, its own var dir, test secrets."""

    def make(**overrides: Any) -> ForumSettings:
        values: dict[str, Any] = {
            "env": "test",
            "var_dir": tmp_path / "var",
            "admin_token": "test-admin-token",
            "secret_key": "test-secret-key-0123456789abcdef0123456789",
            "public_url": "http://forum.test",
            "retry_delays_ms": [200, 500, 1000],
            "relay_poll_interval_s": 0.1,
            "log_json": False,
        }
        values.update(overrides)
        return ForumSettings(**values)

    return make


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from tests.support.xdist_groups import ProcessHeavyTogether

    return ProcessHeavyTogether(config, log)
