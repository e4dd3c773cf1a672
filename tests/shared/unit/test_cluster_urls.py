"""FORUM_AMQP_URL naming several nodes: parsing, and the rotation to the next node."""

from __future__ import annotations

import aio_pika
import pytest
from forum_shared.messaging.rabbit import NodeRotation, node_urls
from yarl import URL

NODES = "amqp://u:p@127.0.0.1:5681/forum, amqp://u:p@127.0.0.1:5682/forum,amqp://u:p@127.0.0.1:5683/forum"


def test_a_comma_separated_url_names_every_node_in_order() -> None:
    assert [URL(u).port for u in node_urls(NODES)] == [5681, 5682, 5683]
    assert node_urls("amqp://guest:guest@127.0.0.1:5672/") == ["amqp://guest:guest@127.0.0.1:5672/"]


@pytest.mark.parametrize("value", [None, "", " , ", "http://127.0.0.1:5672/", "amqp://"])
def test_a_missing_or_foreign_url_is_refused(value: str | None) -> None:
    with pytest.raises(ValueError, match="FORUM_AMQP_URL"):
        node_urls(value)


async def test_a_lost_connection_is_pointed_at_the_next_node_and_wraps_around() -> None:
    rotation = NodeRotation(node_urls(NODES))
    connection = aio_pika.RobustConnection(URL(node_urls(NODES)[0]).with_query(name="x"))
    rotation.watch(connection)
    seen = []
    for _ in range(3):
        await connection.close_callbacks(ConnectionError("node died"))
        seen.append(connection.url.port)
    assert seen == [5682, 5683, 5681]
    assert connection.url.query["name"] == "x"  # connection parameters survive the rotation
    assert connection.url.path == "/forum"
    await rotation.stop()


async def test_a_connection_closed_on_purpose_stays_where_it_is() -> None:
    rotation = NodeRotation(node_urls(NODES))
    connection = aio_pika.RobustConnection(URL(node_urls(NODES)[1]))
    rotation.watch(connection)
    await connection.close()
    await rotation.stop()
    assert connection.url.port == 5682


def test_the_dev_banner_hides_every_node_password() -> None:
    from forum_cli.main import _without_password

    shown = _without_password("amqp://svc:one@n1:5672/,amqp://svc:two@n2:5673/forum")
    assert "one" not in shown
    assert "two" not in shown
    assert shown == "amqp://svc:***@n1:5672/,amqp://svc:***@n2:5673/forum"
