"""Every service's Alembic revisions build exactly its models' schema, step by step.

From an empty database, and from each previous revision to the next, on SQLite (the
embedded default) and PostgreSQL (production). A model change without a revision fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from forum_shared.db import create_engine
from forum_shared.migrations import (
    alembic_config,
    current_revision,
    head_revision,
    migrations_folder,
    platform_metadata,
)
from sqlalchemy import Connection, MetaData

SERVICES = {
    "forum_registration": "forum_registration.models",
    "forum_schedule": "forum_schedule.models",
    "forum_notifications": "forum_notifications.models",
}
MIGRATED = [package for package in SERVICES if migrations_folder(package) is not None]


def models_of(package: str) -> MetaData:
    import importlib

    return platform_metadata(importlib.import_module(SERVICES[package]).Base.metadata)


def revisions_in_order(package: str) -> list[str]:
    config = alembic_config(package, "sqlite://")
    script = ScriptDirectory.from_config(config)
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def upgrade_stepwise_and_diff(package: str, url: str) -> tuple[list[str | None], list[Any]]:
    engine = create_engine(url, pool_size=1)
    reached: list[str | None] = []
    try:
        for revision in revisions_in_order(package):

            def upgrade(connection: Connection, target: str = revision) -> None:
                config = alembic_config(package, url)
                config.attributes["connection"] = connection
                command.upgrade(config, target)

            async with engine.begin() as connection:
                await connection.run_sync(upgrade)
            reached.append(await current_revision(engine))

        def diff(connection: Connection) -> list[Any]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, models_of(package)))

        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
        return reached, differences
    finally:
        await engine.dispose()


def test_every_service_has_migrations() -> None:
    assert set(MIGRATED) == set(SERVICES), f"without migrations: {set(SERVICES) - set(MIGRATED)}"


@pytest.mark.parametrize("package", MIGRATED)
async def test_sqlite_upgrades_revision_by_revision_to_the_models(
    package: str, tmp_path: Path
) -> None:
    reached, differences = await upgrade_stepwise_and_diff(
        package, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    )
    assert reached == revisions_in_order(package)
    assert reached[-1] == head_revision(package)
    assert differences == []


@pytest.mark.integration
@pytest.mark.parametrize("package", MIGRATED)
async def test_postgresql_upgrades_revision_by_revision_to_the_models(
    package: str, database_url: str
) -> None:
    reached, differences = await upgrade_stepwise_and_diff(package, database_url)
    assert reached == revisions_in_order(package)
    assert differences == []
