"""Settling a group of sent emails: one statement, yet each row only while its lease holds."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from forum_notifications import repository
from forum_notifications.models import EmailRow
from forum_notifications.settling import Outcome, RetryPolicy, settle
from forum_shared.service import ServiceRuntime
from sqlalchemy import select, update

from tests.notifications.factories import attendee_registered, forum_updated

POLICY = RetryPolicy(timedelta(seconds=1), timedelta(minutes=1), 5)


async def test_a_group_marks_only_the_rows_still_leased_and_records_their_events(
    runtime: ServiceRuntime, feed: Callable[..., Awaitable[None]]
) -> None:
    await feed(forum_updated(), *(attendee_registered() for _ in range(4)))
    token, now = uuid.uuid4(), datetime.now(UTC)
    async with runtime.uow() as uow:
        rows = await repository.claim_due(
            uow.session, now=now, lease_until=now + timedelta(minutes=5), token=token, limit=10
        )
        emails = [repository.to_outgoing(row) for row in rows]
        await uow.commit()
    assert len(emails) == 4
    lost, retried = emails[0].id, emails[1].id
    async with runtime.uow() as uow:  # the lease on one row ran out and another sender took it
        await uow.session.execute(
            update(EmailRow).where(EmailRow.id == lost).values(claim_token=uuid.uuid4())
        )
        await uow.commit()
    outcomes = [Outcome(e, token, "retry" if e.id == retried else "sent") for e in emails]
    async with runtime.uow() as uow:
        await settle(uow, outcomes, POLICY)
        await uow.commit()
    async with runtime.session_factory() as session:
        settled = {row.id: row for row in await session.scalars(select(EmailRow))}
        events = (await session.scalars(select(runtime.outbox_table.c.routing_key))).all()
    sent = {email_id for email_id, row in settled.items() if row.status == "sent"}
    assert sent == {e.id for e in emails} - {lost, retried}
    assert all(settled[i].attempts == 1 and settled[i].claim_token is None for i in sent)
    assert all(settled[i].sent_at is not None for i in sent)
    assert settled[lost].status == "queued" and settled[lost].attempts == 0
    assert settled[retried].status == "queued" and settled[retried].attempts == 1
    assert sorted(events) == ["notification.email.sent"] * 2
