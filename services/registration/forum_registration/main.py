"""Composition root of the registration service: tables, consumers, routes."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from forum_shared.http import create_service_app
from forum_shared.messaging.topology import REGISTRATION_SCHEDULE
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings

from forum_registration import redaction
from forum_registration.api import Context, public_router
from forum_registration.api_admin import admin_router
from forum_registration.api_manage import manage_router
from forum_registration.config import PER_EMAIL_LIMIT, RegistrationSettings
from forum_registration.errors import install_error_handlers
from forum_registration.handlers import HANDLERS
from forum_registration.idempotency import IdempotencyKeys
from forum_registration.models import Base
from forum_registration.pages import pages_router
from forum_registration.ratelimit import RateLimiter

DESCRIPTION = """Registration for a forum's attendees: frontends post registrations here,
attendees manage theirs with a secret link, organisers approve, count and check people in.
Errors are JSON `{"error", "message"}` (plus `fields` for 422) in Russian, or in English with
`Accept-Language: en`."""


def create_app(settings: ForumSettings, extras: RegistrationSettings | None = None) -> FastAPI:
    extras = extras or RegistrationSettings.for_platform(settings)
    redaction.install()
    runtime = ServiceRuntime("registration", settings, Base.metadata)
    runtime.consume(REGISTRATION_SCHEDULE, HANDLERS)
    runtime.run_in_background("idempotency-purge", IdempotencyKeys(runtime.session_factory).run)
    limit = extras.effective_rate_limit(settings.env)
    ctx = Context(runtime, RateLimiter(limit), RateLimiter(min(limit, PER_EMAIL_LIMIT)))
    app = create_service_app(
        runtime,
        title="Forum registration",
        description=DESCRIPTION,
        routers=[public_router(ctx), manage_router(ctx), admin_router(ctx), pages_router(ctx)],
    )
    install_error_handlers(app)
    if extras.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=extras.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Accept-Language"],
            expose_headers=["Retry-After", "Idempotent-Replayed"],
            max_age=600,
        )
    return app
