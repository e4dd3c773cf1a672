"""The HTTP request never waits on the broker: with RabbitMQ unreachable, registrations still
succeed, and their events go out once it is back (the outbox relay retries)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from forum_shared.settings import ForumSettings
from sqlalchemy import func, select

from tests.registration.helpers import FORUM, deliver, forum_updated, registration_body
from tests.registration.integration.conftest import started
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration


@pytest.fixture
def proxy(amqp_url: str) -> Iterator[TcpProxy]:
    parts = urlsplit(amqp_url)
    running = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672).start()
    yield running
    running.stop()


def through(url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


async def test_registrations_succeed_while_the_broker_is_unreachable(
    make_settings: Callable[..., ForumSettings],
    amqp_url: str,
    database_url: str,
    proxy: TcpProxy,
) -> None:
    settings = make_settings(amqp_url=through(amqp_url, proxy), database_url=database_url)
    async with started(settings, observer_url=amqp_url) as running:
        await deliver(running.runtime, forum_updated())
        proxy.cut()
        url = f"/v1/forums/{FORUM}/registrations"
        answers = [
            await running.client.post(url, json=registration_body(email=f"p{i}@example.ru"))
            for i in range(3)
        ]
        assert [a.status_code for a in answers] == [201, 201, 201]
        async with running.runtime.session_factory() as session:
            outbox = running.runtime.outbox_table
            waiting = await session.execute(
                select(func.count()).where(outbox.c.published_at.is_(None))
            )
        assert waiting.scalar() == 3
        assert running.seen == []

        proxy.resume()

        events = await running.wait_for_events(3, within_s=30)
        assert sorted(e["data"]["registration_id"] for e in events) == sorted(
            a.json()["id"] for a in answers
        )
