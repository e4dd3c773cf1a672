"""Alembic, once for every service: each keeps its revisions in `<package>/migrations/`.

A service's `migrations/env.py` is two lines that hand its metadata to `run_env`. The runtime
upgrades its database to head at start-up (safe: revisions are additive and run in one
transaction; several replicas starting at once serialise on PostgreSQL's transactional DDL
and Alembic's version table), and `forum migrate` does the same from a shell or a job.
"""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, pool
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from forum_shared.messaging.inbox import define_inbox_table
from forum_shared.messaging.outbox import define_outbox_table


def migrations_folder(package: str) -> Path | None:
    """`<package>/migrations` if the service has one."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "migrations"
    return folder if (folder / "env.py").exists() else None


def alembic_config(package: str, database_url: str) -> Config:
    folder = migrations_folder(package)
    if folder is None:
        raise FileNotFoundError(f"{package} has no migrations folder")
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def platform_metadata(metadata: MetaData) -> MetaData:
    """The service's tables plus the outbox and inbox every service has."""
    define_outbox_table(metadata)
    define_inbox_table(metadata)
    return metadata


def run_env(metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py`."""
    target = platform_metadata(metadata)
    config = context.config
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run(connection, target)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url missing"

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.begin() as async_connection:
            await async_connection.run_sync(_run, target)
        await engine.dispose()

    asyncio.run(run_async())


def _run(connection: Connection, target: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTERs via copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def upgrade_to_head(engine: AsyncEngine, package: str) -> None:
    """Upgrade inside the running event loop, on the service's own engine."""
    config = alembic_config(package, engine.url.render_as_string(hide_password=False))

    def upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> Any:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        revision: str | None = await connection.run_sync(read)
    return revision


def head_revision(package: str) -> str | None:
    folder = migrations_folder(package)
    if folder is None:
        return None
    config = Config()
    config.set_main_option("script_location", str(folder))
    return ScriptDirectory.from_config(config).get_current_head()
