"""A bus given several nodes starts on the first one that answers (real RabbitMQ)."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from forum_shared.messaging.rabbit import RabbitBus, first_live_node
from forum_shared.settings import ForumSettings
from yarl import URL

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_bus_starts_on_the_first_node_of_the_list_that_answers(
    amqp_url: str, make_settings: Callable[..., ForumSettings]
) -> None:
    dead = str(URL(amqp_url).with_port(_closed_port()))
    assert await first_live_node([dead, amqp_url]) == amqp_url
    bus = RabbitBus(make_settings(amqp_url=f"{dead},{amqp_url}"), service="test", consumers=[])
    await bus.start()
    try:
        assert bus.node == f"127.0.0.1:{URL(amqp_url).port}"
        assert await bus.queue_stats() == {}
    finally:
        await bus.stop()


async def test_no_live_node_is_a_start_up_error() -> None:
    dead = f"amqp://guest:guest@127.0.0.1:{_closed_port()}/"
    with pytest.raises(ConnectionError, match="no RabbitMQ node answers"):
        await first_live_node([dead, dead])
