"""The sender settles each row with its event, backs off on 4xx and gives up on 5xx."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from uuid import uuid4

import pytest
from forum_notifications import delivery, repository
from forum_notifications.delivery import DeliveryPolicy, EmailSender
from forum_notifications.mime import WireMessage
from forum_notifications.models import EmailRow
from forum_notifications.smtp import PermanentSendError, TransientSendError
from forum_shared.service import ServiceRuntime
from sqlalchemy import select, update

from tests.notifications.factories import MAIL_FROM, attendee_registered, forum_updated


class FakeTransport:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent: list[EmailMessage] = []

    async def send(self, message: WireMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        parsed = email.message_from_bytes(message.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        assert parsed["To"].addresses[0].addr_spec == message.recipient
        self.sent.append(parsed)

    async def close(self) -> None:
        return None


@pytest.fixture(autouse=True)
async def queued(feed: Callable[..., Awaitable[None]]) -> None:
    """One confirmation queued for every test here."""
    await feed(forum_updated(), attendee_registered())


def sender(runtime: ServiceRuntime, transport: FakeTransport, **policy: object) -> EmailSender:
    return EmailSender(
        runtime.uow,
        transport,
        mail_from=MAIL_FROM,
        policy=DeliveryPolicy(base_delay=timedelta(seconds=30), **policy),  # type: ignore[arg-type]
    )


async def state(runtime: ServiceRuntime) -> tuple[EmailRow, list[str]]:
    async with runtime.session_factory() as session:
        row = (await session.scalars(select(EmailRow))).one()
        types = (await session.scalars(select(runtime.outbox_table.c.routing_key))).all()
    return row, list(types)


async def make_due(runtime: ServiceRuntime) -> None:
    async with runtime.session_factory() as session, session.begin():
        await session.execute(update(EmailRow).values(next_attempt_at=datetime.now(UTC)))


async def test_sent_row_and_its_event_commit_together(runtime: ServiceRuntime) -> None:
    transport = FakeTransport()
    assert await sender(runtime, transport).send_due() == 1
    row, types = await state(runtime)
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    assert types == ["notification.email.sent"]
    assert transport.sent[0]["Message-ID"] == row.message_id
    assert await sender(runtime, transport).send_due() == 0  # nothing left to lease


async def test_transient_failure_backs_off_then_delivers(runtime: ServiceRuntime) -> None:
    transport = FakeTransport(TransientSendError("451 try later"))
    await sender(runtime, transport).send_due()
    row, types = await state(runtime)
    assert row.status == "queued" and row.attempts == 1 and "451" in (row.last_error or "")
    assert row.next_attempt_at.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(seconds=25)
    assert await sender(runtime, transport).send_due() == 0  # not due yet
    await make_due(runtime)
    await sender(runtime, transport).send_due()
    row, types = await state(runtime)
    assert row.status == "sent" and row.attempts == 2 and len(transport.sent) == 1
    assert types == ["notification.email.sent"]


async def test_permanent_failure_marks_failed_with_reason(runtime: ServiceRuntime) -> None:
    await sender(runtime, FakeTransport(PermanentSendError("550 no such user"))).send_due()
    row, types = await state(runtime)
    assert row.status == "failed" and row.last_error == "550 no such user"
    assert types == ["notification.email.failed"]


async def test_gives_up_after_the_last_attempt(runtime: ServiceRuntime) -> None:
    transport = FakeTransport(TransientSendError("451"), TransientSendError("451"))
    await sender(runtime, transport, max_attempts=2).send_due()
    await make_due(runtime)
    await sender(runtime, transport, max_attempts=2).send_due()
    row, types = await state(runtime)
    assert row.status == "failed" and "gave up after 2 attempts" in (row.last_error or "")
    assert types == ["notification.email.failed"]


async def test_a_leased_row_is_not_sent_by_a_second_sender(runtime: ServiceRuntime) -> None:
    transport = FakeTransport()
    first = sender(runtime, transport)
    async with runtime.uow() as uow:  # another replica leases the row and then dies
        now = datetime.now(UTC)
        leased = await repository.claim_due(
            uow.session, now=now, lease_until=now + timedelta(minutes=5), token=uuid4(), limit=10
        )
        await uow.commit()
    assert len(leased) == 1
    assert await first.send_due() == 0
    await make_due(runtime)  # the lease ran out: the row is any sender's again
    assert await first.send_due() == 1
    assert len(transport.sent) == 1


async def test_a_stopped_sender_hands_its_leases_back(runtime: ServiceRuntime) -> None:
    class StuckTransport(FakeTransport):
        async def send(self, message: WireMessage) -> None:
            await asyncio.sleep(3600)

    stuck = sender(runtime, StuckTransport())
    task = asyncio.create_task(stuck.run())
    for _ in range(200):  # until the row is leased
        row, _ = await state(runtime)
        if row.claim_token is not None:
            break
        await asyncio.sleep(0.01)
    assert row.claim_token is not None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    row, _ = await state(runtime)
    assert row.claim_token is None and row.status == "queued"
    assert row.next_attempt_at.replace(tzinfo=UTC) <= datetime.now(UTC)


async def test_emails_queued_while_the_sender_gathers_share_one_lease(
    runtime: ServiceRuntime,
    feed: Callable[..., Awaitable[None]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gather_s = 0.123  # only the sender's pause sleeps this long; it waits for the test instead
    pausing, resume = asyncio.Event(), asyncio.Event()
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        if seconds != gather_s:
            await real_sleep(seconds)
            return
        pausing.set()
        await resume.wait()

    leases: list[int] = []
    real_claim = repository.claim_due

    async def claim_due(session: object, **options: object) -> list[EmailRow]:
        rows = await real_claim(session, **options)  # type: ignore[arg-type]
        leases.append(len(rows))
        return rows

    monkeypatch.setattr(delivery.asyncio, "sleep", sleep)
    monkeypatch.setattr(repository, "claim_due", claim_due)
    transport = FakeTransport()
    running = sender(runtime, transport, poll_interval_s=3600.0, gather_s=gather_s)
    task = asyncio.create_task(running.run())
    try:
        async with asyncio.timeout(10):
            while not transport.sent:  # the email queued before the start goes at once
                await real_sleep(0.01)
            running.wake()  # as a consumer commit does; the sender pauses before leasing
            await pausing.wait()
            await feed(attendee_registered(), attendee_registered())
            resume.set()
            while len(transport.sent) < 3:
                await real_sleep(0.01)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [n for n in leases if n] == [1, 2]
