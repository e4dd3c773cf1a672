"""Composition root of the notifications service: emails over SMTP and signed webhooks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi import FastAPI
from forum_shared.db import is_sqlite
from forum_shared.http import create_service_app
from forum_shared.messaging.topology import (
    NOTIFICATIONS_REGISTRATION,
    NOTIFICATIONS_SCHEDULE,
    NOTIFICATIONS_WEBHOOKS,
)
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
from forum_notifications.webhooks.api import webhooks_router
from forum_notifications.webhooks.domain import RetrySchedule
from forum_notifications.webhooks.intake import webhook_handlers
from forum_notifications.webhooks.registry import EndpointRegistry
from forum_notifications.webhooks.sender import WebhookPolicy, WebhookSender


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


def webhook_policy(extra: NotificationSettings) -> WebhookPolicy:
    return WebhookPolicy(
        schedule=RetrySchedule(
            base=timedelta(milliseconds=extra.webhook_base_delay_ms),
            cap=timedelta(
                milliseconds=max(extra.webhook_max_delay_ms, extra.webhook_base_delay_ms)
            ),
            give_up_after=timedelta(seconds=extra.webhook_retry_window_s),
        ),
        timeout_s=extra.webhook_timeout_s,
        concurrency=extra.webhook_concurrency,
        poll_interval_s=extra.webhook_poll_s,
    )


def create_app(settings: ForumSettings, extra: NotificationSettings | None = None) -> FastAPI:
    extra = extra or NotificationSettings()
    runtime = ServiceRuntime("notifications", settings, Base.metadata)
    mailer = Mailer(
        renderer=Renderer(),
        secret_key=settings.secret_key,
        public_url=settings.public_url,
        mail_from=settings.mail_from,
        queued=lambda: sender.wake(),  # the sender is built below; called only once running
    )
    runtime.consume(NOTIFICATIONS_SCHEDULE, schedule_handlers())
    runtime.consume(NOTIFICATIONS_REGISTRATION, registration_handlers(mailer))
    hooks = webhook_policy(extra)
    endpoints = EndpointRegistry(
        runtime.session_factory, max_age_s=extra.webhook_endpoints_max_age_s
    )
    runtime.consume(
        NOTIFICATIONS_WEBHOOKS, webhook_handlers(hooks.schedule), wanted=endpoints.wants
    )
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
        on_queued=sender.wake,
    )
    reminders = ReminderScheduler(
        runtime.uow,
        mail_from=settings.mail_from,
        hour=extra.reminder_hour,
        poll_interval_s=extra.reminder_poll_s,
    )
    runtime.run_in_background("email-sender", sender.run)
    runtime.run_in_background("digest-planner", planner.run)
    webhooks = WebhookSender(
        runtime.uow,
        hooks,
        observe=lambda outcome: runtime.metrics.webhook_deliveries.labels(
            runtime.name, outcome
        ).inc(),
    )
    runtime.run_in_background("reminders", reminders.run)
    runtime.run_in_background("webhook-sender", webhooks.run)
    app = create_service_app(
        runtime,
        title="Forum notifications",
        routers=[
            operations_router(runtime, mailer),
            public_router(runtime, mailer.renderer),
            webhooks_router(runtime, hooks.schedule, endpoints),
        ],
        description="Emails attendees and speakers about their registration and the programme.",
    )
    app.state.sender = sender
    app.state.planner = planner
    app.state.webhooks = webhooks
    app.state.endpoints = endpoints
    return app
