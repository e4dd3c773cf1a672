"""`forum schedule import FILE` on the embedded SQLite default: drafts, releases, outbox rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from forum_schedule.commands import describe, import_programme_file
from forum_schedule.demo import DEMO_PROGRAMME
from forum_shared.settings import ForumSettings

from tests.schedule.migration_check import HEAD, drift_after_upgrade


async def test_import_command_releases_once_and_leaves_events_in_the_outbox(
    make_settings: Callable[..., ForumSettings],
) -> None:
    settings = make_settings()
    first = await import_programme_file(DEMO_PROGRAMME, settings)
    assert first.release is not None
    assert "released version 1 with 22 changed session(s)" in describe(first)

    again = await import_programme_file(DEMO_PROGRAMME, settings)
    assert again.release is None
    assert "nothing new to release" in describe(again)

    with sqlite3.connect(settings.var_dir / "schedule.db") as db:
        types = [row[0] for row in db.execute("SELECT routing_key FROM outbox")]
    assert types.count("schedule.session.changed") == 22
    assert types.count("schedule.release.published") == 1
    assert len(types) == 1 + 6 + 3 + 22 + 1
    # Built by the migrations, so the service's own start-up upgrade finds it at head.
    revision, differences = await drift_after_upgrade(
        f"sqlite+aiosqlite:///{settings.var_dir / 'schedule.db'}"
    )
    assert (revision, differences) == (HEAD, [])
