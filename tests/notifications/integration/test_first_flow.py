"""The first flow on real RabbitMQ, PostgreSQL and SMTP: one registration, one email."""

from __future__ import annotations

import httpx
import pytest
from forum_shared.settings import ForumSettings

from tests.notifications.factories import attendee_registered, forum_updated
from tests.notifications.integration.helpers import (
    email_rows,
    eventually,
    outbox_types,
    publish,
    running_app,
)
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.integration


async def test_one_registration_gives_one_confirmation_even_when_redelivered(
    settings: ForumSettings, amqp_url: str, smtp_sink: SmtpSink
) -> None:
    registered = attendee_registered()
    async with running_app(settings) as app:
        # The attendee's event first: the forum replica is missing, so it is retried.
        await publish(amqp_url, registered)
        await publish(amqp_url, forum_updated())
        [mail] = await smtp_sink.wait_for(1)
        await publish(amqp_url, registered)  # a redelivery of the very same event
        await eventually(
            lambda: _all_sent_and_published(app), what="email marked sent, event in outbox"
        )
        rows = await email_rows(app)

    message = mail.message
    data = registered.data
    assert message["Subject"] == "Регистрация подтверждена: ПромЭнергоVolga 2026"
    assert message["To"].addresses[0].display_name == "Иванова Мария Петровна"
    assert mail.recipients == ["maria@example.ru"]
    expected_id = f"<{registered.event_id}.{data['registration_id']}.confirmation@forum.test>"
    assert message["Message-ID"] == expected_id
    text = message.get_body(("plain",))
    assert text is not None
    assert "Иванова Мария Петровна" in text.get_content()
    assert f"http://forum.test/manage/{data['registration_id']}?token=" in text.get_content()
    assert len(rows) == 1 and rows[0].status == "sent"
    assert len(smtp_sink.messages) == 1
    html = message.get_body(("html",))
    assert html is not None and 'src="cid:badge-qr"' in html.get_content()
    parts = {part.get_content_type(): part for part in message.walk()}
    assert parts["image/png"]["Content-ID"] == "<badge-qr>"
    assert "BEGIN:VCALENDAR" in parts["text/calendar"].get_content()


async def _all_sent_and_published(app: object) -> bool:
    rows = await email_rows(app)  # type: ignore[arg-type]
    types = await outbox_types(app)  # type: ignore[arg-type]
    return (
        bool(rows)
        and all(r.status == "sent" for r in rows)
        and ("notification.email.sent" in types)
    )


async def test_transient_smtp_failures_are_retried_and_deliver_once(
    settings: ForumSettings, amqp_url: str, smtp_sink: SmtpSink
) -> None:
    smtp_sink.fail_next(3, "451 4.3.0 Try again later")
    async with running_app(settings) as app:
        await publish(amqp_url, forum_updated(), attendee_registered())
        await smtp_sink.wait_for(1)
        await eventually(lambda: _all_sent_and_published(app), what="email marked sent")
        [row] = await email_rows(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            metrics = (await client.get("/metrics")).text
    assert 'forum_emails_total{outcome="retried",service="notifications"} 3.0' in metrics
    assert 'forum_emails_total{outcome="sent",service="notifications"} 1.0' in metrics
    assert row.attempts == 4
    assert row.last_error is not None and "451" in row.last_error
    assert len(smtp_sink.messages) == 1


async def test_a_permanent_smtp_failure_marks_the_email_failed(
    settings: ForumSettings, amqp_url: str, smtp_sink: SmtpSink
) -> None:
    smtp_sink.fail_next(1, "550 5.1.1 Mailbox unavailable")

    async def failed(app: object) -> bool:
        rows = await email_rows(app)  # type: ignore[arg-type]
        types = await outbox_types(app)  # type: ignore[arg-type]
        return bool(rows) and rows[0].status == "failed" and "notification.email.failed" in types

    async with running_app(settings) as app:
        await publish(amqp_url, forum_updated(), attendee_registered())
        await eventually(lambda: failed(app), what="email marked failed")
        [row] = await email_rows(app)
    assert row.last_error is not None and "550" in row.last_error
    assert row.attempts == 1
    assert smtp_sink.messages == []


async def test_a_hostile_name_is_escaped_and_adds_no_header_or_recipient(
    settings: ForumSettings, amqp_url: str, smtp_sink: SmtpSink
) -> None:
    hostile = "<script>alert(1)</script>\r\nBcc: evil@attacker.example"
    async with running_app(settings):
        await publish(amqp_url, forum_updated(), attendee_registered(full_name=hostile))
        [mail] = await smtp_sink.wait_for(1)
    assert mail.recipients == ["maria@example.ru"]
    head = mail.raw.split(b"\r\n\r\n", 1)[0].lower()
    assert b"\r\nbcc:" not in head and not head.startswith(b"bcc:")
    message = mail.message
    assert message["Bcc"] is None and len(message["To"].addresses) == 1
    html = message.get_body(("html",))
    assert html is not None
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.get_content()
    assert "<script>" not in html.get_content()
