import asyncio
from pathlib import Path

import pytest
from forum_cli.main import main
from forum_shared.db import create_engine
from forum_shared.messaging.outbox import define_outbox_table
from sqlalchemy import MetaData, insert


async def test_outbox_status_reports_backlog_and_failing_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registration.db'}"
    table = define_outbox_table(MetaData())
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(table.metadata.create_all)
        await connection.execute(
            insert(table),
            [
                {
                    "event_id": "e-ok",
                    "routing_key": "a.b.c",
                    "body": "{}",
                    "attempts": 0,
                    "last_error": None,
                },
                {
                    "event_id": "e-failing",
                    "routing_key": "registration.attendee.registered",
                    "body": "{}",
                    "attempts": 3,
                    "last_error": "ConnectionError('broker unreachable')",
                },
            ],
        )
    await engine.dispose()
    monkeypatch.setenv("FORUM_DATABASE_URL", url)

    assert await asyncio.to_thread(main, ["outbox", "status", "registration"]) == 0
    out = capsys.readouterr().out
    assert "2 unpublished event(s)" in out
    assert "e-failing" in out
    assert "broker unreachable" in out
    assert "e-ok registration" not in out
