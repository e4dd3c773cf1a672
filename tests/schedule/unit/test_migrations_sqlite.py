"""The schedule's Alembic revisions build exactly the models' schema on SQLite."""

from __future__ import annotations

from pathlib import Path

from tests.schedule.migration_check import HEAD, drift_after_upgrade


async def test_sqlite_at_head_matches_the_models(tmp_path: Path) -> None:
    revision, differences = await drift_after_upgrade(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    assert HEAD is not None
    assert revision == HEAD
    assert differences == []
