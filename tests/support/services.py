"""Where the real services for integration tests come from.

In order: the URL in `FORUM_TEST_AMQP_URL` / `FORUM_TEST_DATABASE_URL` (CI and this machine),
else a testcontainer (a laptop with Docker), else skip with a reason — except under `CI=true`,
where a missing service fails the run so that a silent skip can never turn it green.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def docker_available() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env().ping()
    except Exception:
        return False
    return True


@dataclass
class Broker:
    """A RabbitMQ we may create throw-away vhosts on."""

    url: str
    run_ctl: Callable[[list[str]], None]

    @contextmanager
    def fresh_vhost(self) -> Iterator[str]:
        name = f"forum-test-{uuid.uuid4().hex[:12]}"
        self.run_ctl(["add_vhost", name])
        self.run_ctl(["set_permissions", "-p", name, _user(self.url), ".*", ".*", ".*"])
        try:
            yield _with_vhost(self.url, name)
        finally:
            self.run_ctl(["delete_vhost", name])


def _user(url: str) -> str:
    return urlsplit(url).username or "guest"


def _with_vhost(url: str, vhost: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "", ""))


def _local_rabbitmqctl(args: list[str]) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def rabbitmq() -> Iterator[Broker]:
    url = os.environ.get("FORUM_TEST_AMQP_URL")
    if url:
        host = urlsplit(url).hostname
        if host not in ("127.0.0.1", "localhost", "::1") or not shutil.which("rabbitmqctl"):
            unavailable(f"cannot make test vhosts on {host}: rabbitmqctl for a local broker needed")
        yield Broker(url, _local_rabbitmqctl)
        return
    if not docker_available():
        unavailable("no RabbitMQ: set FORUM_TEST_AMQP_URL or start Docker for testcontainers")
    from testcontainers.rabbitmq import RabbitMqContainer

    with RabbitMqContainer("rabbitmq:3.13-management") as container:
        host, port = container.get_container_host_ip(), container.get_exposed_port(5672)

        def run_ctl(args: list[str]) -> None:
            code, output = container.exec(["rabbitmqctl", "-q", *args])
            assert code == 0, output

        yield Broker(f"amqp://guest:guest@{host}:{port}/", run_ctl)


@contextmanager
def postgresql() -> Iterator[str]:
    """An admin URL (`postgresql+asyncpg://…/postgres`) on which tests create databases."""
    url = os.environ.get("FORUM_TEST_DATABASE_URL")
    if url:
        yield url
        return
    if not docker_available():
        unavailable("no PostgreSQL: set FORUM_TEST_DATABASE_URL or start Docker for testcontainers")
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16", driver="asyncpg") as container:
        yield container.get_connection_url()


def database_url_named(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
