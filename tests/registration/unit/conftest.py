"""A registration runtime on SQLite with its tables, never started (no broker needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from forum_registration.models import Base
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings


@pytest.fixture
async def runtime(make_settings: Callable[..., ForumSettings]) -> AsyncIterator[ServiceRuntime]:
    settings = make_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    rt = ServiceRuntime("registration", settings, Base.metadata)
    async with rt.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield rt
    await rt.engine.dispose()
