"""`forum dev`: the three services in one process, on one port, on the embedded defaults.

Each service is built by its own `create_app` exactly as in production, middleware and error
handlers included; a dispatcher hands each request to the service whose routes match. They
share one in-process bus (or RabbitMQ when FORUM_AMQP_URL is set), keep their SQLite files
under `var/`, and mail goes over SMTP to a local mailbox shown at /dev/mail.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from forum_shared.messaging.memory import InProcessBus
from forum_shared.metrics import merged_exposition
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings
from forum_shared.tracing import configure_tracing
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from forum_cli.demo import load_demo_once
from forum_cli.mailbox import DevMailbox, mailbox_router

log = logging.getLogger("forum.dev")

SERVICE_MODULES = {
    "schedule": "forum_schedule.main",
    "registration": "forum_registration.main",
    "notifications": "forum_notifications.main",
}


class ServiceDispatcher:
    """Routes each request to the first app with a route that fully matches it."""

    def __init__(self, platform: FastAPI, services: list[FastAPI]) -> None:
        self.platform = platform
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target: ASGIApp = self.platform
        if (
            scope["type"] in ("http", "websocket")
            and _match(self.platform, scope) is not Match.FULL
        ):
            partial = None
            for app in self.services:
                match = _match(app, scope)
                if match is Match.FULL:
                    target = app
                    break
                if match is Match.PARTIAL and partial is None:
                    partial = app  # right path, wrong method: let that service answer 405
            else:
                target = partial or self.platform
        await target(scope, receive, send)


def _match(app: FastAPI, scope: Scope) -> Match:
    best = Match.NONE
    for route in app.router.routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return match
        if match is Match.PARTIAL:
            best = match
    return best


def create_dev_app(
    settings: ForumSettings, *, mailbox: DevMailbox | None, load_demo: bool = True
) -> ServiceDispatcher:
    configure_tracing("dev")  # one process, one trace provider for the three services
    bus = None if settings.amqp_url else InProcessBus()
    if mailbox is not None:
        settings = settings.model_copy(update={"smtp_url": mailbox.smtp_url})
    apps = [
        importlib.import_module(module).create_app(settings) for module in SERVICE_MODULES.values()
    ]
    runtimes: list[ServiceRuntime] = [app.state.runtime for app in apps]
    if bus is not None:
        for runtime in runtimes:
            runtime.attach_embedded_bus(bus)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        started: list[ServiceRuntime] = []
        try:
            for runtime in runtimes:
                await runtime.start()
                started.append(runtime)
            if load_demo:
                await load_demo_once(runtimes[0], settings.var_dir / "demo-loaded.txt")
            yield
        finally:
            for runtime in reversed(started):
                await runtime.stop()

    platform = FastAPI(
        title="Forum platform (dev: all services in one process)", version="1", lifespan=lifespan
    )
    platform.state.runtimes = runtimes
    platform.state.bus = bus
    if mailbox is not None:
        platform.include_router(mailbox_router(mailbox))

    @platform.get("/health/live", tags=["health"])
    async def live() -> dict[str, str]:
        return {"status": "alive"}

    @platform.get("/health/ready", tags=["health"])
    async def ready() -> JSONResponse:
        reports = [await runtime.readiness() for runtime in runtimes]
        ok = all(report["ok"] for report in reports)
        return JSONResponse({"ok": ok, "services": reports}, status_code=200 if ok else 503)

    @platform.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        for runtime in runtimes:
            await runtime.refresh_gauges()
        exposition = merged_exposition(runtime.registry for runtime in runtimes)
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)

    def combined_openapi() -> dict[str, Any]:
        if platform.openapi_schema is None:
            schema = FastAPI.openapi(platform)
            for app in apps:
                service_schema = app.openapi()
                paths = service_schema.get("paths", {})
                schema["paths"].update(
                    {p: ops for p, ops in paths.items() if not p.startswith("/health/")}
                )
                for part in ("schemas", "securitySchemes"):
                    merged = schema.setdefault("components", {}).setdefault(part, {})
                    merged.update(service_schema.get("components", {}).get(part, {}))
            platform.openapi_schema = schema
        return platform.openapi_schema

    platform.openapi = combined_openapi  # type: ignore[method-assign]
    for clash in route_clashes(apps):
        log.warning("route defined twice, the first service answers: %s", clash)
    return ServiceDispatcher(platform, apps)


def route_clashes(apps: list[FastAPI]) -> list[str]:
    """Paths two services both define: behind one gateway (or in dev) only one can answer."""
    clashes = []
    seen: dict[tuple[str, str], str] = {}
    for app in apps:
        for path, operations in app.openapi().get("paths", {}).items():
            if path.startswith("/health/"):
                continue  # every service has them; the platform answers for all three
            for method in operations:
                owner = seen.setdefault((method, path), app.title)
                if owner != app.title:
                    clashes.append(f"{method.upper()} {path}: {owner} and {app.title}")
    return clashes
