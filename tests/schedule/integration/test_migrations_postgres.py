"""The schedule's Alembic revisions build exactly the models' schema on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.schedule.migration_check import HEAD, drift_after_upgrade

pytestmark = pytest.mark.integration


async def test_postgres_at_head_matches_the_models(database_url: str) -> None:
    revision, differences = await drift_after_upgrade(database_url)
    assert revision == HEAD
    assert differences == []
