"""Fault-suite fixtures: a private RabbitMQ node behind a TCP proxy and a private PostgreSQL,
started once per session, so killing or stopping them never touches the machine's own."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.faults.platform import FaultPlatform
from tests.support import private_postgres, private_rabbitmq
from tests.support.private_postgres import PrivatePostgres
from tests.support.private_rabbitmq import PrivateRabbitMQ
from tests.support.services import unavailable
from tests.support.smtp import SmtpSink
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture(scope="session")
def private_rabbit() -> Iterator[PrivateRabbitMQ]:
    reason = private_rabbitmq.unavailable_reason()
    if reason:
        unavailable(f"fault suite needs a private RabbitMQ node: {reason}")
    node = PrivateRabbitMQ().prepare()
    try:
        node.start()
        yield node
    finally:
        node.destroy()


@pytest.fixture(scope="session")
def amqp_proxy(private_rabbit: PrivateRabbitMQ) -> Iterator[TcpProxy]:
    proxy = TcpProxy("127.0.0.1", private_rabbit.port).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivatePostgres]:
    reason = private_postgres.unavailable_reason()
    if reason:
        unavailable(f"fault suite needs a private PostgreSQL: {reason}")
    server = PrivatePostgres().init()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


def _run(coro: Any) -> Any:
    # Fixture set-up and tear-down run outside the test loop: a private loop is safe.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


async def _execute(dsn: str, sql: str) -> None:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def fault_sink() -> Iterator[SmtpSink]:
    """One SMTP server for the whole suite: each scenario counts only its own recipients."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


class PlatformFactory:
    """Makes platforms on fresh vhosts and databases; tears every one of them down."""

    def __init__(
        self,
        rabbit: PrivateRabbitMQ,
        proxy: TcpProxy,
        postgres: PrivatePostgres,
        sink: SmtpSink,
        log_dir: Path,
    ) -> None:
        self.rabbit, self.proxy, self.postgres, self.sink = rabbit, proxy, postgres, sink
        self.log_dir = log_dir
        self.admin = postgres.admin_url.replace("postgresql+asyncpg://", "postgresql://")
        self.made: list[FaultPlatform] = []

    def heal(self) -> None:
        """No fault of one scenario may leak into the next."""
        self.proxy.resume()
        if not self.rabbit.is_running():
            self.rabbit.start()
        if not self.postgres.is_running():
            self.postgres.start()

    def make(self, retry_delays_ms: list[int] | None = None) -> FaultPlatform:
        self.heal()
        vhost = f"fault-{uuid.uuid4().hex[:10]}"
        self.rabbit.ctl("add_vhost", vhost)
        self.rabbit.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        databases = {}
        for name in ("schedule", "registration", "notifications"):
            db = f"fault_{name}_{uuid.uuid4().hex[:8]}"
            _run(_execute(self.admin, f'CREATE DATABASE "{db}"'))
            databases[name] = self.postgres.admin_url.rsplit("/", 1)[0] + f"/{db}"
        log_dir = self.log_dir / vhost
        log_dir.mkdir(parents=True)
        platform = FaultPlatform(
            rabbit=self.rabbit,
            proxy=self.proxy,
            postgres=self.postgres,
            sink=self.sink,
            vhost=vhost,
            databases=databases,
            log_dir=log_dir,
            # Long enough in total (~31 s) to ride out the 10-15 s outages under test.
            retry_delays_ms=retry_delays_ms or [500, 1000, 2000, 4000, 8000, 16000],
        )
        self.made.append(platform)
        return platform.start()

    def close(self) -> None:
        for platform in self.made:
            platform.stop()
        self.heal()
        for platform in self.made:
            for url in platform.databases.values():
                name = url.rsplit("/", 1)[1]
                _run(_execute(self.admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.rabbit.ctl("delete_vhost", platform.vhost, check=False)


@pytest.fixture(scope="session")
def platforms(
    private_rabbit: PrivateRabbitMQ,
    amqp_proxy: TcpProxy,
    private_pg: PrivatePostgres,
    fault_sink: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PlatformFactory]:
    # Service logs outlive pytest's rotating temp dirs, for reading after a failure.
    logs = Path(os.environ.get("FORUM_FAULT_LOG_DIR") or tmp_path_factory.mktemp("faults"))
    factory = PlatformFactory(private_rabbit, amqp_proxy, private_pg, fault_sink, logs)
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def shared_platform(platforms: PlatformFactory) -> FaultPlatform:
    """One platform the burst scenarios share (each on its own forum), to save start-ups."""
    return platforms.make()


@pytest.fixture
async def platform(shared_platform: FaultPlatform) -> FaultPlatform:
    """The shared platform, healed: every dependency up and every service ready."""
    await shared_platform.heal()
    return shared_platform
