"""Through the shared consumer: a broken template dead-letters, a missing forum retries,
a redelivered event has no second effect — with nothing half-written in any case."""

from __future__ import annotations

import shutil
from pathlib import Path

from forum_notifications.handlers import registration_handlers, schedule_handlers
from forum_notifications.models import EmailRow
from forum_notifications.rendering import TEMPLATES_DIR, Renderer
from forum_notifications.use_cases import Mailer
from forum_shared.messaging.consumer import DeadLetter, Done, EventConsumer, Retry
from forum_shared.messaging.topology import NOTIFICATIONS_REGISTRATION, NOTIFICATIONS_SCHEDULE
from forum_shared.service import ServiceRuntime
from sqlalchemy import func, select

from tests.notifications.factories import MAIL_FROM, attendee_registered, forum_updated


def consumers(runtime: ServiceRuntime, mailer: Mailer) -> tuple[EventConsumer, EventConsumer]:
    def make(queue: object, handlers: object) -> EventConsumer:
        return EventConsumer(
            queue=queue,  # type: ignore[arg-type]
            handlers=handlers,  # type: ignore[arg-type]
            uow_factory=runtime.uow,
            inbox_table=runtime.inbox_table,
            retry_delays_ms=(100, 200),
        )

    return (
        make(NOTIFICATIONS_SCHEDULE, schedule_handlers()),
        make(NOTIFICATIONS_REGISTRATION, registration_handlers(mailer)),
    )


async def email_count(runtime: ServiceRuntime) -> int:
    async with runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(EmailRow)) or 0)


def body(envelope: object) -> bytes:
    return envelope.model_dump_json().encode()  # type: ignore[attr-defined]


async def test_missing_forum_retries_then_redelivery_is_a_duplicate(
    runtime: ServiceRuntime, mailer: Mailer
) -> None:
    schedule, registration = consumers(runtime, mailer)
    registered = attendee_registered()
    assert isinstance(await registration.process(body(registered)), Retry)
    assert await email_count(runtime) == 0
    assert await schedule.process(body(forum_updated())) == Done()
    assert await registration.process(body(registered), retries=1) == Done()
    assert await registration.process(body(registered)) == Done(duplicate=True)
    assert await email_count(runtime) == 1


async def test_a_broken_template_dead_letters_and_writes_nothing(
    runtime: ServiceRuntime, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    broken = templates / "ru" / "confirmation.txt.j2"
    broken.write_text("Здравствуйте, {{ name }}! {{ no_such_variable }}")
    mailer = Mailer(Renderer(templates), "secret-" * 6, "http://forum.test", MAIL_FROM)
    schedule, registration = consumers(runtime, mailer)
    await schedule.process(body(forum_updated()))
    outcome = await registration.process(body(attendee_registered()))
    assert isinstance(outcome, DeadLetter)
    assert "no_such_variable" in outcome.reason
    assert await email_count(runtime) == 0
