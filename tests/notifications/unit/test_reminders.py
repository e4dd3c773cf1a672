"""Reminders the day before, once per confirmed attendee; opting out via one-click links."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from forum_notifications.api_public import public_router
from forum_notifications.delivery import DeliveryPolicy, EmailSender
from forum_notifications.lazy import lazy_preparer
from forum_notifications.models import EmailRow
from forum_notifications.reminders import ReminderScheduler, reminder_window
from forum_notifications.use_cases import Mailer
from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.common import RegistrationStatus
from forum_shared.contracts.registration import AttendeeCancelled
from forum_shared.service import ServiceRuntime
from sqlalchemy import select

from tests.notifications.factories import FORUM, MAIL_FROM, attendee_registered, forum_updated
from tests.notifications.unit.test_delivery import FakeTransport

Feed = Callable[..., Awaitable[None]]
EVE_0959 = datetime(2026, 12, 9, 6, 59, tzinfo=UTC)  # 09:59 in Volgograd (UTC+3)
EVE_1000 = datetime(2026, 12, 9, 7, 0, tzinfo=UTC)


def scheduler(runtime: ServiceRuntime, now: datetime) -> ReminderScheduler:
    return ReminderScheduler(runtime.uow, mail_from=MAIL_FROM, hour=10, clock=lambda: now)


async def reminders(runtime: ServiceRuntime) -> list[EmailRow]:
    async with runtime.session_factory() as session:
        found = await session.scalars(select(EmailRow).where(EmailRow.template == "reminder"))
        return list(found.all())


async def send(runtime: ServiceRuntime, mailer: Mailer) -> list[EmailMessage]:
    transport = FakeTransport()
    sender = EmailSender(
        runtime.uow,
        transport,
        mail_from=MAIL_FROM,
        policy=DeliveryPolicy(),
        prepare=lazy_preparer(mailer),
    )
    while await sender.send_due():
        pass
    return [m for m in transport.sent if ".reminder@" in m["Message-ID"]]


@pytest.fixture
async def client(runtime: ServiceRuntime, mailer: Mailer) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(public_router(runtime, mailer.renderer))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://forum.test") as client:
        yield client


def test_window_opens_at_the_hour_on_the_eve_in_forum_time() -> None:
    from datetime import date

    opens, closes = reminder_window(date(2026, 12, 10), "Europe/Volgograd", 10)
    assert opens == EVE_1000
    assert closes == datetime(2026, 12, 9, 21, 0, tzinfo=UTC)


async def test_one_reminder_per_confirmed_attendee_from_the_hour_on(
    runtime: ServiceRuntime, feed: Feed, mailer: Mailer
) -> None:
    await feed(
        forum_updated(),
        attendee_registered(email="one@example.ru"),
        attendee_registered(email="wait@example.ru", status=RegistrationStatus.WAITLISTED),
    )
    assert await scheduler(runtime, EVE_0959).queue_due() == 0
    assert await scheduler(runtime, EVE_1000).queue_due() == 1
    assert await scheduler(runtime, EVE_1000).queue_due() == 0
    await feed(attendee_registered(email="late@example.ru"))  # registered that evening
    assert await scheduler(runtime, EVE_1000).queue_due() == 1
    sent = await send(runtime, mailer)
    assert sorted(m["To"].addresses[0].addr_spec for m in sent) == [
        "late@example.ru",
        "one@example.ru",
    ]
    message = sent[0]
    assert message["Subject"] == "Завтра начинается ПромЭнергоVolga 2026"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://forum.test/v1/unsubscribe/")
    assert any(p.get_content_type() == "image/png" for p in message.walk())


async def test_no_reminder_for_someone_who_cancelled_after_it_was_queued(
    runtime: ServiceRuntime, feed: Feed, mailer: Mailer
) -> None:
    registered = attendee_registered()
    await feed(forum_updated(), registered)
    await scheduler(runtime, EVE_1000).queue_due()
    cancelled = AttendeeCancelled(registration_id=registered.data["registration_id"], version=2)
    await feed(EventEnvelope.wrap(cancelled, producer="registration", forum=FORUM))
    assert await send(runtime, mailer) == []
    [row] = await reminders(runtime)
    assert row.status == "failed" and "no longer attends" in (row.last_error or "")


async def test_one_click_unsubscribe_stops_reminders_but_not_transactional_mail(
    runtime: ServiceRuntime, feed: Feed, mailer: Mailer, client: httpx.AsyncClient
) -> None:
    await feed(forum_updated(), attendee_registered(email="Maria@Example.ru"))
    await scheduler(runtime, EVE_1000).queue_due()
    [message] = await send(runtime, mailer)
    url = urlsplit(message["List-Unsubscribe"].strip("<>"))
    path = f"{url.path}?{url.query}"

    page = await client.get(path)  # a link scanner following the link changes nothing
    assert page.status_code == 200 and "Отписаться?" in page.text
    forged = await client.post(path.replace("token=", "token=x"))
    assert forged.status_code == 403
    done = await client.post(path, content=b"List-Unsubscribe=One-Click")
    assert done.status_code == 200 and "Готово" in done.text

    # The forum moves a week later: a new reminder date, but this person opted out.
    await feed(
        forum_updated(version=2).model_copy(
            update={
                "data": {
                    **forum_updated().data,
                    "starts_on": "2026-12-17",
                    "ends_on": "2026-12-19",
                    "version": 2,
                }
            }
        )
    )
    later = datetime(2026, 12, 16, 7, 0, tzinfo=UTC)
    assert await scheduler(runtime, later).queue_due() == 0
    statuses = sorted(row.status for row in await reminders(runtime))
    assert statuses == ["sent", "skipped"]
    await feed(attendee_registered(email="maria@example.ru"))  # a confirmation still goes out
    async with runtime.session_factory() as session:
        confirmations = (
            await session.scalars(select(EmailRow).where(EmailRow.template == "confirmation"))
        ).all()
    assert len(confirmations) == 2 and all(r.status == "queued" for r in confirmations[1:])
