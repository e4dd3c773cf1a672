"""Schedule change digests end to end on SQLite: who gets mail, what it says, and when."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from forum_notifications.delivery import DeliveryPolicy, EmailSender
from forum_notifications.digest_emails import digest_preparer
from forum_notifications.fanout import DigestPlanner
from forum_notifications.models import EmailRow
from forum_notifications.use_cases import Mailer
from forum_shared.service import ServiceRuntime
from sqlalchemy import select

from tests.notifications.factories import MAIL_FROM, forum_updated
from tests.notifications.programme_factories import Scenario
from tests.notifications.unit.test_delivery import FakeTransport

ARTEFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "emails"
Feed = Callable[..., Awaitable[None]]


@pytest.fixture
def sender_wakes() -> list[int]:
    return []


@pytest.fixture
def planner(runtime: ServiceRuntime, sender_wakes: list[int]) -> DigestPlanner:
    return DigestPlanner(runtime.uow, mail_from=MAIL_FROM, on_queued=lambda: sender_wakes.append(1))


async def rows(runtime: ServiceRuntime) -> list[EmailRow]:
    async with runtime.session_factory() as session:
        found = await session.scalars(
            select(EmailRow).where(EmailRow.template == "schedule_digest")
        )
        return list(found.all())


async def send_all(runtime: ServiceRuntime, mailer: Mailer) -> list[EmailMessage]:
    transport = FakeTransport()
    sender = EmailSender(
        runtime.uow,
        transport,
        mail_from=MAIL_FROM,
        policy=DeliveryPolicy(),
        prepare=digest_preparer(mailer),
    )
    while await sender.send_due():
        pass
    return [m for m in transport.sent if ".schedule_digest@" in m["Message-ID"]]


def _save_artefact(name: str, message: EmailMessage) -> None:
    """Rendered emails for a person to look at: artifacts/emails/<name>.{html,eml}."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    html = message.get_body(("html",))
    assert html is not None
    (ARTEFACTS / f"{name}.html").write_text(html.get_content())
    (ARTEFACTS / f"{name}.eml").write_bytes(message.as_bytes())


async def test_release_is_mailed_once_complete_whatever_the_order(
    runtime: ServiceRuntime,
    feed: Feed,
    planner: DigestPlanner,
    mailer: Mailer,
    sender_wakes: list[int],
) -> None:
    world = Scenario()
    both = world.attendee("Иванова Мария", "maria@example.ru", [world.s1, world.s2])
    one = world.attendee("Сидоров Олег", "oleg@example.ru", [world.s1, world.s3])
    neither = world.attendee("Кузнецова Анна", "anna@example.ru", [world.s3, world.s4])
    await feed(forum_updated(), *world.setup_events(), both, one, neither)
    s1, s2, s4 = world.session_events()

    await feed(s2, world.release())  # the release arrives before two of its sessions
    assert await planner.plan_ready() == 0
    await feed(s1)
    assert await planner.plan_ready() == 0
    assert sender_wakes == []
    await feed(s4)
    assert await planner.plan_ready() == 3  # Мария, Олег, the speaker of S2
    assert sender_wakes == [1]  # the sender need not wait for its next poll
    assert await planner.plan_ready() == 0  # planned once only
    assert sender_wakes == [1]

    queued = {row.to_email: row for row in await rows(runtime)}
    assert set(queued) == {"maria@example.ru", "oleg@example.ru", "petrov@example.ru"}
    assert len(queued["maria@example.ru"].payload["session_ids"]) == 2  # type: ignore[index]

    sent = {m["To"].addresses[0].addr_spec: m for m in await send_all(runtime, mailer)}
    assert set(sent) == set(queued)
    maria = sent["maria@example.ru"]
    _save_artefact("schedule_digest.ru", maria)
    assert maria["Subject"] == "Изменения в программе: ПромЭнергоVolga 2026"
    text = maria.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Энергетика будущего" in text and "Умные сети" in text
    assert "четверг, 10 декабря, 10:00–11:30 → четверг, 10 декабря, 12:00–13:30" in text
    assert "Зал «Волга» → Зал «Дон»" in text
    assert "Выставка" not in text  # a capacity change alone is nobody's news
    oleg = sent["oleg@example.ru"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Энергетика будущего" in oleg and "Умные сети" not in oleg
    petrov = sent["petrov@example.ru"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "сессии с вашим участием" in petrov and "Умные сети" in petrov
    assert "Энергетика будущего" not in petrov
    [ics] = [
        part for part in maria.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    calendar = ics.get_content()
    assert calendar.count("BEGIN:VEVENT") == 2 and f"UID:{world.s1}@forum.test" in calendar
    assert "SEQUENCE:2" in calendar


async def test_a_release_that_changes_nothing_anyone_chose_mails_nobody(
    runtime: ServiceRuntime, feed: Feed, planner: DigestPlanner
) -> None:
    world = Scenario()
    await feed(
        forum_updated(),
        *world.setup_events(),
        world.attendee("Кузнецова Анна", "anna@example.ru", [world.s3, world.s4]),
    )
    await feed(world.release(), *world.session_events())
    await planner.plan_ready()
    assert {row.to_email for row in await rows(runtime)} == {"petrov@example.ru"}


async def test_english_digest_and_a_person_who_is_both_speaker_and_attendee(
    runtime: ServiceRuntime, feed: Feed, planner: DigestPlanner, mailer: Mailer
) -> None:
    world = Scenario()
    petrov = world.attendee("Pyotr Petrov", "Petrov@Example.ru", [world.s1])
    petrov_data = petrov.data | {"locale": "en"}
    petrov = petrov.model_copy(update={"data": petrov_data})
    await feed(forum_updated(), *world.setup_events(), petrov)
    await feed(*world.session_events(), world.release())
    await planner.plan_ready()
    [row] = await rows(runtime)
    assert set(row.payload["session_ids"]) == {str(world.s1), str(world.s2)}  # type: ignore[index]
    [message] = await send_all(runtime, mailer)
    _save_artefact("schedule_digest.en", message)
    assert message["Subject"] == "Programme changes: PromEnergoVolga 2026"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Volga Hall → Don Hall" in text
    assert "Thursday, 10 December, 10:00–11:30 → Thursday, 10 December, 12:00–13:30" in text
    assert "http://forum.test/manage/" in text  # the attendee record carries the link


async def test_someone_who_switched_digests_off_gets_none(
    runtime: ServiceRuntime, feed: Feed, planner: DigestPlanner
) -> None:
    from forum_notifications.repository import preferences

    world = Scenario()
    await feed(
        forum_updated(),
        *world.setup_events(),
        world.attendee("Иванова Мария", "maria@example.ru", [world.s1]),
        world.attendee("Сидоров Олег", "oleg@example.ru", [world.s1]),
    )
    async with runtime.uow() as uow:
        await preferences.switch_off(uow.session, "oleg@example.ru", "digests")
        await uow.commit()
    await feed(world.release(), *world.session_events())
    await planner.plan_ready()
    assert {row.to_email for row in await rows(runtime)} == {
        "maria@example.ru",
        "petrov@example.ru",
    }
