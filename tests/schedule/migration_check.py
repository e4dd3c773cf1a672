"""Shared by the migration tests: upgrade a database to head, then diff it against the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from forum_schedule.models import Base
from forum_shared.db import create_engine
from forum_shared.migrations import (
    current_revision,
    head_revision,
    platform_metadata,
    upgrade_to_head,
)
from sqlalchemy import Connection


async def drift_after_upgrade(url: str) -> tuple[str | None, list[Any]]:
    """The revision reached and every difference between the migrated schema and the models."""
    engine = create_engine(url, pool_size=1)
    try:
        await upgrade_to_head(engine, "forum_schedule")

        def diff(connection: Connection) -> list[Any]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, platform_metadata(Base.metadata)))

        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
        return await current_revision(engine), differences
    finally:
        await engine.dispose()


HEAD = head_revision("forum_schedule")
