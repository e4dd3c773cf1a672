"""Schedule change digests on real RabbitMQ, PostgreSQL and SMTP."""

from __future__ import annotations

import pytest
from forum_shared.settings import ForumSettings

from tests.notifications.factories import forum_updated
from tests.notifications.integration.helpers import (
    all_settled,
    eventually,
    processed,
    publish,
    running_app,
)
from tests.notifications.programme_factories import Scenario
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.integration


async def test_two_moved_sessions_make_one_digest_and_others_get_nothing(
    settings: ForumSettings, amqp_url: str, smtp_sink: SmtpSink
) -> None:
    world = Scenario()
    attendees = [
        world.attendee("Иванова Мария", "maria@example.ru", [world.s1, world.s2]),
        world.attendee("Кузнецова Анна", "anna@example.ru", [world.s3, world.s4]),
    ]
    async with running_app(settings) as app:
        await publish(amqp_url, forum_updated(), *world.setup_events(), *attendees)
        await smtp_sink.wait_for(2)  # the two confirmations
        # release.published first, its session events after: the digest waits for them.
        await publish(amqp_url, world.release(), *world.session_events())

        def digests() -> list[object]:
            return [m for m in smtp_sink.messages if ".schedule_digest@" in m.message["Message-ID"]]

        async def two_digests() -> bool:
            return len(digests()) >= 2

        await eventually(two_digests, what="digests for Мария and the speaker")
        again = world.release()  # the same release version published again (new event id)
        await publish(amqp_url, again)
        await eventually(lambda: processed(app, again.event_id), what="second release consumed")
        await eventually(lambda: all_settled(app), what="every email settled")
        confirmations_and_digests = smtp_sink.messages

    by_recipient = {m.recipients[0]: m for m in digests()}  # type: ignore[attr-defined]
    assert set(by_recipient) == {"maria@example.ru", "petrov@example.ru"}
    assert len(confirmations_and_digests) == 4
    maria = by_recipient["maria@example.ru"].message
    text = maria.get_body(("plain",)).get_content()
    assert "Энергетика будущего" in text and "Умные сети" in text
    assert maria["Subject"] == "Изменения в программе: ПромЭнергоVolga 2026"
    assert not any(
        m.recipients == ["anna@example.ru"] and ".schedule_digest@" in m.message["Message-ID"]
        for m in smtp_sink.messages
    )
