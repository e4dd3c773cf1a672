"""On a real broker: the definitions' objects and users let each service declare the whole
topology (no 406, no 403), publish its own events and consume, and refuse everything else."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel
from forum_shared.messaging.rabbit import create_broker, declare_topology
from forum_shared.settings import ForumSettings

from tests.deploy.conftest import DEPLOY
from tests.support.services import Broker, _local_rabbitmqctl, unavailable

pytestmark = pytest.mark.integration

Action = Callable[[AbstractChannel], Awaitable[Any]]


@pytest.fixture
def definitions() -> dict[str, Any]:
    return json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())


@pytest.fixture
def user_url(
    broker_server: Broker, amqp_url: str, definitions: dict[str, Any]
) -> Callable[[str], str]:
    """Imports the definitions' users as `forum-test-<user>`, with their permissions in this
    test's vhost, in one `rabbitmqctl import_definitions` (adding users one by one is slow).
    The users stay on the test broker, with no permissions once the vhost is deleted."""
    if broker_server.run_ctl is not _local_rabbitmqctl:
        unavailable("importing definitions needs a local rabbitmqctl")
    vhost = urlsplit(amqp_url).path.lstrip("/")
    prefix = "forum-test-"
    users = [{**user, "name": prefix + user["name"], "tags": []} for user in definitions["users"]]
    grants = {
        "permissions": definitions["permissions"],
        "topic_permissions": definitions["topic_permissions"],
    }
    renamed = {
        key: [{**p, "user": prefix + p["user"], "vhost": vhost} for p in entries]
        for key, entries in grants.items()
    }
    subprocess.run(
        ["rabbitmqctl", "-q", "import_definitions", "--format", "json"],
        input=json.dumps({"users": users, **renamed}),
        text=True,
        check=True,
        capture_output=True,
        timeout=60,
    )

    def url(name: str) -> str:
        parts = urlsplit(amqp_url)
        password = name.removeprefix("forum-") + "-change-me"
        netloc = f"{quote(prefix + name)}:{password}@{parts.hostname}:{parts.port or 5672}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    return url


async def _load_objects(amqp_url: str, definitions: dict[str, Any]) -> None:
    """What the boot-time import creates: exchanges, queues and bindings, as JSON says."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        for e in definitions["exchanges"]:
            await channel.declare_exchange(
                e["name"], e["type"], durable=e["durable"], arguments=e["arguments"]
            )
        for q in definitions["queues"]:
            await channel.declare_queue(q["name"], durable=q["durable"], arguments=q["arguments"])
        for b in definitions["bindings"]:
            queue = await channel.get_queue(b["destination"], ensure=False)
            await queue.bind(b["source"], b["routing_key"])
    finally:
        await connection.close()


async def _attempt(url: str, action: Action) -> Exception | None:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        try:
            await action(channel)
        except aio_pika.exceptions.AMQPError as error:
            return error
        return None
    finally:
        await connection.close()


def _publish(exchange: str, key: str) -> Action:
    async def action(channel: AbstractChannel) -> None:
        target = (
            channel.default_exchange
            if exchange == ""
            else await channel.get_exchange(exchange, ensure=False)
        )
        await target.publish(aio_pika.Message(b"{}"), routing_key=key)

    return action


def _get(queue: str) -> Action:
    async def action(channel: AbstractChannel) -> None:
        await (await channel.get_queue(queue, ensure=False)).get(fail=False)

    return action


def _declare_and_bind(queue: str, exchange: str, key: str) -> Action:
    async def action(channel: AbstractChannel) -> None:
        declared = await channel.declare_queue(queue, durable=True)
        await declared.bind(exchange, key)

    return action


async def test_users_can_do_their_job_and_nothing_else(
    amqp_url: str, user_url: Callable[[str], str], definitions: dict[str, Any]
) -> None:
    await _load_objects(amqp_url, definitions)
    defaults = ForumSettings.model_fields
    own_key = {"registration": "registration", "schedule": "schedule"}
    own_key["notifications"] = "notification"
    for service, prefix in own_key.items():
        url = user_url(f"forum-{service}")
        broker = create_broker(ForumSettings(amqp_url=url), service=service)
        try:
            await broker.connect()
            await declare_topology(
                broker,
                delivery_limit=defaults["delivery_limit"].default,
                retry_delays_ms=defaults["retry_delays_ms"].default,
            )
        finally:
            await broker.stop()
        assert await _attempt(url, _publish("forum.events", f"{prefix}.thing.happened")) is None
        other = "schedule" if service != "schedule" else "registration"
        assert await _attempt(url, _publish("forum.events", f"{other}.thing.happened"))
        assert await _attempt(url, _publish("", "registration.schedule.retry.1000ms")) is None
        assert await _attempt(url, _publish("forum.dlx", "notifications.schedule")) is None
        assert await _attempt(url, _get("notifications.registration")) is None
        assert await _attempt(url, _get("notifications.registration.dlq"))  # operator's job
        assert await _attempt(url, _declare_and_bind("other", "forum.events", "#"))

    integrator = user_url("forum-integrator")
    assert (
        await _attempt(integrator, _declare_and_bind("integrator.crm", "forum.events", "#")) is None
    )
    assert await _attempt(integrator, _get("integrator.crm")) is None
    assert await _attempt(integrator, _declare_and_bind("crm", "forum.events", "#"))
    assert await _attempt(integrator, _declare_and_bind("integrator.x", "forum.dlx", "a"))
    assert await _attempt(integrator, _get("notifications.registration"))
    assert await _attempt(integrator, _publish("forum.events", "registration.x.y"))

    operator = user_url("forum-operator")
    assert await _attempt(operator, _get("registration.schedule.dlq")) is None
    assert await _attempt(operator, _publish("", "registration.schedule")) is None
    assert await _attempt(operator, _get("registration.schedule"))

    keda = user_url("forum-keda")
    depth = await _attempt(
        keda, lambda ch: ch.declare_queue("notifications.registration", passive=True)
    )
    assert depth is None
    assert await _attempt(keda, _get("notifications.registration"))
