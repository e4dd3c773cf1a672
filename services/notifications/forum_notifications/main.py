"""Composition root of the notifications service: replicas from events, emails over SMTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi import FastAPI
from forum_shared.db import is_sqlite
from forum_shared.http import create_service_app
from forum_shared.messaging.topology import NOTIFICATIONS_REGISTRATION, NOTIFICATIONS_SCHEDULE
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings

from forum_notifications.api import operations_router
from forum_notifications.api_public import public_router
from forum_notifications.delivery import DeliveryPolicy, EmailSender
from forum_notifications.fanout import DigestPlanner
from forum_notifications.handlers import registration_handlers, schedule_handlers
from forum_notifications.lazy import lazy_preparer
from forum_notifications.models import Base
from forum_notifications.reminders import ReminderScheduler
from forum_notifications.rendering import Renderer
from forum_notifications.settings import NotificationSettings
from forum_notifications.smtp import SmtpConfig, SmtpTransport
from forum_notifications.use_cases import Mailer


def delivery_policy(settings: ForumSettings) -> DeliveryPolicy:
    """SMTP retries back off exponentially from the first consumer retry delay to the longest."""
    delays = settings.retry_delays_ms or [1_000]
    return DeliveryPolicy(
        concurrency=settings.smtp_concurrency,
        rate_per_s=settings.smtp_rate_per_s,
        timeout_s=settings.smtp_timeout_s,
        base_delay=timedelta(milliseconds=delays[0]),
        max_delay=timedelta(milliseconds=max(delays)),
        poll_interval_s=settings.relay_poll_interval_s,
        lanes=1 if is_sqlite(settings.database_url_for("notifications")) else 2,
    )


def _email_metrics(runtime: ServiceRuntime) -> Callable[[str, float], None]:
    def observe(outcome: str, seconds: float) -> None:
        runtime.metrics.emails.labels(runtime.name, outcome).inc()
        runtime.metrics.smtp_latency.labels(runtime.name).observe(seconds)

    return observe


def create_app(settings: ForumSettings, extra: NotificationSettings | None = None) -> FastAPI:
    extra = extra or NotificationSettings()
    runtime = ServiceRuntime("notifications", settings, Base.metadata)
    mailer = Mailer(
        renderer=Renderer(),
        secret_key=settings.secret_key,
        public_url=settings.public_url,
        mail_from=settings.mail_from,
    )
    runtime.consume(NOTIFICATIONS_SCHEDULE, schedule_handlers())
    runtime.consume(NOTIFICATIONS_REGISTRATION, registration_handlers(mailer))
    transport = SmtpTransport(
        SmtpConfig.from_url(settings.smtp_url), timeout_s=settings.smtp_timeout_s
    )
    sender = EmailSender(
        runtime.uow,
        transport,
        mail_from=settings.mail_from,
        policy=delivery_policy(settings),
        prepare=lazy_preparer(mailer),
        observe=_email_metrics(runtime),
    )
    planner = DigestPlanner(
        runtime.uow,
        mail_from=settings.mail_from,
        poll_interval_s=settings.relay_poll_interval_s,
        patience=timedelta(seconds=extra.digest_patience_s),
    )
    reminders = ReminderScheduler(
        runtime.uow,
        mail_from=settings.mail_from,
        hour=extra.reminder_hour,
        poll_interval_s=extra.reminder_poll_s,
    )
    runtime.run_in_background("email-sender", sender.run)
    runtime.run_in_background("digest-planner", planner.run)
    runtime.run_in_background("reminders", reminders.run)
    app = create_service_app(
        runtime,
        title="Forum notifications",
        routers=[operations_router(runtime, mailer), public_router(runtime, mailer.renderer)],
        description="Emails attendees and speakers about their registration and the programme.",
    )
    app.state.sender = sender
    app.state.planner = planner
    return app
