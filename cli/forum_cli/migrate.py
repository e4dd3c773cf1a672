"""`forum migrate`: upgrade every service's database to its newest revision, or write one."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from alembic import command
from forum_shared.db import create_engine
from forum_shared.migrations import alembic_config, current_revision, upgrade_to_head
from forum_shared.settings import ForumSettings

SERVICES = ("registration", "schedule", "notifications")


async def upgrade(services: list[str], settings: ForumSettings) -> list[str]:
    """Upgrade each service's database (FORUM_DATABASE_URL or its SQLite file) to head."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    done = []
    for service in services:
        engine = create_engine(
            settings.database_url_for(service), pool_size=1, pooler=settings.database_pooler
        )
        try:
            await upgrade_to_head(engine, f"forum_{service}")
            done.append(f"{service}: at {await current_revision(engine)}")
        finally:
            await engine.dispose()
    return done


def new_revision(service: str, message: str) -> None:
    """Autogenerate a revision from the models against a scratch database at head."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'scratch.db'}"
        config = alembic_config(f"forum_{service}", url)
        command.upgrade(config, "head")
        command.revision(config, message=message, autogenerate=True)


def run(services: list[str], new: str | None, message: str | None) -> int:
    unknown = sorted(set(services) - set(SERVICES) | ({new} - set(SERVICES) if new else set()))
    if unknown:
        print(
            f"forum migrate: unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}"
        )
        return 2
    if new is not None:
        new_revision(new, message or "change")
        return 0
    for line in asyncio.run(upgrade(services or list(SERVICES), ForumSettings())):
        print(line)
    return 0
