"""On a real RabbitMQ 3.10 node: the shipped broker configuration boots, imports the rendered
definitions (users, quorum queues, the queue-length guard) and sets the capacity plan's
alarm thresholds. A private node on loopback, so the machine's own broker is never touched."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.deploy.conftest import DEPLOY
from tests.support import private_rabbitmq
from tests.support.private_rabbitmq import PrivateRabbitMQ
from tests.support.services import unavailable

pytestmark = pytest.mark.integration

RABBITMQ_DIR = DEPLOY / "rabbitmq"


@pytest.fixture(scope="module")
def production_node() -> Iterator[PrivateRabbitMQ]:
    reason = private_rabbitmq.unavailable_reason()
    if reason:
        unavailable(reason)
    node = PrivateRabbitMQ().prepare()
    shipped = "\n".join(
        (RABBITMQ_DIR / name).read_text() for name in ("rabbitmq.conf", "production.conf")
    ).replace("/etc/rabbitmq/definitions.json", str(RABBITMQ_DIR / "definitions.json"))
    config = node.base_dir / "rabbitmq.conf"
    config.write_text(config.read_text() + shipped)
    try:
        node.start()
        yield node
    finally:
        node.destroy()


def rabbit_env(node: PrivateRabbitMQ, key: str) -> str:
    return node.ctl_output("eval", f"application:get_env(rabbit, {key}).").strip()


def test_the_production_limits_are_in_force(production_node: PrivateRabbitMQ) -> None:
    assert rabbit_env(production_node, "vm_memory_high_watermark") == "{ok,0.6}"
    assert rabbit_env(production_node, "disk_free_limit") == '{ok,"4GB"}'
    assert rabbit_env(production_node, "connection_max") == "{ok,2000}"
    assert rabbit_env(production_node, "consumer_timeout") == "{ok,1800000}"


def test_the_definitions_load_at_boot_with_the_length_guard_on_the_work_queues(
    production_node: PrivateRabbitMQ,
) -> None:
    users = production_node.ctl_output("list_users", "--no-table-headers")
    assert "forum-registration" in users and "guest" not in users
    rows = production_node.ctl_output(
        "list_queues", "--no-table-headers", "name", "type", "policy"
    ).splitlines()
    policy_of = {row.split()[0]: row.split()[1:] for row in rows if row.strip()}
    assert policy_of["notifications.registration"] == ["quorum", "forum-work-queue-length-guard"]
    assert policy_of["notifications.registration.dlq"] == ["quorum"]
    guarded = {name for name, columns in policy_of.items() if len(columns) == 2}
    assert guarded == {
        "registration.schedule",
        "notifications.registration",
        "notifications.schedule",
        "notifications.webhooks",
    }
