"""`forum dev`: the three services in one process, on one port, on the embedded defaults.

Each service is built by its own `create_app` exactly as in production; they share one
in-process bus (or RabbitMQ when FORUM_AMQP_URL is set), keep their SQLite files under
`var/`, and mail goes over SMTP to a local mailbox shown at /dev/mail.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from forum_shared.http import validation_error_handler
from forum_shared.messaging.memory import InProcessBus
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings

from forum_cli.mailbox import DevMailbox, mailbox_router

log = logging.getLogger("forum.dev")

SERVICE_MODULES = {
    "schedule": "forum_schedule.main",
    "registration": "forum_registration.main",
    "notifications": "forum_notifications.main",
}
_OWN_PATHS = {
    "/health/live",
    "/health/ready",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
}


def create_dev_app(settings: ForumSettings, *, mailbox: DevMailbox | None) -> FastAPI:
    bus = None if settings.amqp_url else InProcessBus()
    if mailbox is not None:
        settings = settings.model_copy(update={"smtp_url": mailbox.smtp_url})
    runtimes: list[ServiceRuntime] = []
    apps: list[FastAPI] = []
    for module in SERVICE_MODULES.values():
        app = importlib.import_module(module).create_app(settings)
        runtime: ServiceRuntime = app.state.runtime
        if bus is not None:
            runtime.attach_embedded_bus(bus)
        runtimes.append(runtime)
        apps.append(app)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        started: list[ServiceRuntime] = []
        try:
            for runtime in runtimes:
                await runtime.start()
                started.append(runtime)
            yield
        finally:
            for runtime in reversed(started):
                await runtime.stop()

    combined = FastAPI(
        title="Forum platform (dev: all services in one process)",
        version="1",
        lifespan=lifespan,
    )
    combined.state.runtimes = runtimes
    combined.state.bus = bus
    combined.add_exception_handler(RequestValidationError, validation_error_handler)
    for app in apps:
        for route in app.router.routes:
            if getattr(route, "path", None) not in _OWN_PATHS:
                combined.router.routes.append(route)
        for key, handler in app.exception_handlers.items():
            if key is not RequestValidationError:
                combined.add_exception_handler(key, handler)
    _check_no_route_clashes(combined)
    if mailbox is not None:
        combined.include_router(mailbox_router(mailbox))

    @combined.get("/health/live", tags=["health"])
    async def live() -> dict[str, str]:
        return {"status": "alive"}

    @combined.get("/health/ready", tags=["health"])
    async def ready() -> JSONResponse:
        reports = [await runtime.readiness() for runtime in runtimes]
        ok = all(report["ok"] for report in reports)
        return JSONResponse({"ok": ok, "services": reports}, status_code=200 if ok else 503)

    return combined


def _check_no_route_clashes(app: FastAPI) -> None:
    seen: dict[tuple[str, str], Any] = {}
    for route in app.router.routes:
        if isinstance(route, APIRoute):
            for method in route.methods or ():
                key = (method, route.path)
                if key in seen:
                    raise RuntimeError(f"two services define {method} {route.path}")
                seen[key] = route
