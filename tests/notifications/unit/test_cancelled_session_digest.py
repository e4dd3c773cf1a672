"""A cancelled session mails its holders whichever comes first: their agenda change or the plan.

The registration service drops a cancelled session from every agenda in an `agenda.changed`
caused by the `session.changed`. Applied here before the planner fans the release out, it
used to leave the holders unaffected: no digest about the cancellation.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from forum_notifications.fanout import DigestPlanner
from forum_notifications.models import EmailRow, FormerHolderRow
from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.registration import AgendaChanged, AgendaEntry
from forum_shared.contracts.schedule import (
    ChangeKind,
    ReleaseChange,
    ReleasePublished,
    SessionChanged,
    SessionStatus,
)
from forum_shared.service import ServiceRuntime
from sqlalchemy import func, select

from tests.notifications.factories import FORUM, MAIL_FROM, forum_updated
from tests.notifications.programme_factories import DAY, Scenario, snapshot

Feed = Callable[..., Awaitable[None]]


def cancellation(session_id: uuid.UUID) -> tuple[EventEnvelope, EventEnvelope]:
    """Release 2 cancelling the session: its `session.changed`, then `release.published`."""
    old = snapshot(session_id, "Энергетика будущего")
    new = snapshot(session_id, "Энергетика будущего", status=SessionStatus.CANCELLED, version=2)
    changed = EventEnvelope.wrap(
        SessionChanged(release_version=2, kinds=[ChangeKind.CANCELLED], session=new, previous=old),
        producer="schedule",
        forum=FORUM,
    )
    published = EventEnvelope.wrap(
        ReleasePublished(
            release_version=2,
            published_at=DAY,
            changes=[ReleaseChange(session_id=session_id, kinds=[ChangeKind.CANCELLED])],
        ),
        producer="schedule",
        forum=FORUM,
    )
    return changed, published


def agenda_changed(
    registration: EventEnvelope,
    version: int,
    agenda: list[uuid.UUID],
    cause: EventEnvelope | None,
    cancelled: list[uuid.UUID] | None = None,
) -> EventEnvelope:
    data = AgendaChanged(
        registration_id=registration.data["registration_id"],
        version=version,
        agenda=[AgendaEntry(session_id=s) for s in agenda],
        cancelled=cancelled or [],
    )
    if cause is None:  # the attendee's own change through the manage page
        return EventEnvelope.wrap(data, producer="registration", forum=FORUM)
    return cause.caused(data, producer="registration")


async def digests_to(runtime: ServiceRuntime) -> list[str]:
    async with runtime.session_factory() as session:
        found = await session.scalars(
            select(EmailRow.to_email).where(EmailRow.template == "schedule_digest")
        )
        return sorted(found.all())


async def former_holders_left(runtime: ServiceRuntime) -> int:
    async with runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(FormerHolderRow)) or 0)


@pytest.mark.parametrize(
    "order",
    [
        "agenda change, then session change and release",
        "session change, agenda change, release",
        "session change and release, agenda change, then plan",
        "plan, then agenda change",  # the order that always worked
    ],
)
async def test_a_cancelled_session_mails_its_holders_whatever_the_order(
    runtime: ServiceRuntime, feed: Feed, order: str
) -> None:
    planner = DigestPlanner(runtime.uow, mail_from=MAIL_FROM)
    world = Scenario()
    anna = world.attendee("Кузнецова Анна", "anna@example.ru", [world.s1, world.s3])
    oleg = world.attendee("Сидоров Олег", "oleg@example.ru", [world.s1, world.s3])
    await feed(forum_updated(), *world.setup_events(), anna, oleg)
    # Олег took S1 out of his agenda himself, long before the cancellation: no news for him.
    await feed(agenda_changed(oleg, 2, [world.s3], cause=None))
    changed, published = cancellation(world.s1)
    dropped = agenda_changed(anna, 2, [world.s3], cause=changed)

    if order == "agenda change, then session change and release":
        await feed(dropped, changed, published)
    elif order == "session change, agenda change, release":
        await feed(changed, dropped, published)
    elif order == "session change and release, agenda change, then plan":
        await feed(changed, published, dropped)
    else:
        await feed(changed, published)
        assert await planner.plan_ready() == 1
        await feed(dropped)
    await planner.plan_ready()

    assert await digests_to(runtime) == ["anna@example.ru"]
    assert await planner.plan_ready() == 0  # planned once only
    if order != "plan, then agenda change":  # that row waits for the age sweep
        assert await former_holders_left(runtime) == 0


async def test_the_cancellation_still_mails_when_a_newer_agenda_change_overtook_it(
    runtime: ServiceRuntime, feed: Feed
) -> None:
    """Анна adds S2 right after the cancellation took S1 away; her own change (version 3)
    is applied first, so the cancellation's change (version 2) is stale for the replica. It
    names the cancelled session, so she is still among the release's holders."""
    planner = DigestPlanner(runtime.uow, mail_from=MAIL_FROM)
    world = Scenario()
    anna = world.attendee("Кузнецова Анна", "anna@example.ru", [world.s1, world.s3])
    await feed(forum_updated(), *world.setup_events(), anna)
    changed, published = cancellation(world.s1)
    dropped = agenda_changed(anna, 2, [world.s3], cause=changed, cancelled=[world.s1])
    own_later_change = agenda_changed(anna, 3, [world.s3, world.s2], cause=None)

    await feed(changed, own_later_change, dropped, published)
    await planner.plan_ready()

    assert await digests_to(runtime) == ["anna@example.ru"]
