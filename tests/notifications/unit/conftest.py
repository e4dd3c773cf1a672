"""A notifications runtime (and the app) on SQLite without a broker, and a way to feed it
events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from forum_notifications.handlers import registration_handlers, schedule_handlers
from forum_notifications.main import create_app
from forum_notifications.models import Base
from forum_notifications.rendering import Renderer
from forum_notifications.use_cases import Mailer
from forum_shared.contracts import EventEnvelope, decode_data
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings

from tests.notifications.factories import MAIL_FROM

SECRET = "test-secret-key-0123456789abcdef0123456789"


@pytest.fixture
async def runtime(make_settings: Callable[..., ForumSettings]) -> AsyncIterator[ServiceRuntime]:
    settings = make_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    runtime = ServiceRuntime("notifications", settings, Base.metadata)
    async with runtime.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield runtime
    await runtime.engine.dispose()


@pytest.fixture
async def client(make_settings: Callable[..., ForumSettings]) -> AsyncIterator[httpx.AsyncClient]:
    """The whole notifications app (no lifespan: no broker) behind an ASGI client; the app is
    at `client.app`."""
    settings = make_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    runtime = app.state.runtime
    async with runtime.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client
    await runtime.engine.dispose()


@pytest.fixture
def mailer() -> Mailer:
    return Mailer(Renderer(), SECRET, "http://forum.test", MAIL_FROM)


@pytest.fixture
def feed(runtime: ServiceRuntime, mailer: Mailer) -> Callable[..., object]:
    """Run events through the service's own handlers, one unit of work each (no inbox)."""
    handlers = {**schedule_handlers(), **registration_handlers(mailer)}

    async def apply(*envelopes: EventEnvelope) -> None:
        for envelope in envelopes:
            async with runtime.uow() as uow:
                await handlers[envelope.type](envelope, decode_data(envelope), uow)
                await uow.commit()

    return apply
