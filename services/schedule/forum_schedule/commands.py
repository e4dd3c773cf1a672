"""Commands the `forum` CLI can run against the schedule database without the HTTP service.

`forum schedule import FILE` → `import_programme_file(Path(FILE), ForumSettings())`: the
programme is drafted and released straight in the schedule's database; its events wait in the
outbox until the schedule service's relay publishes them (at once if it is running).
"""

from __future__ import annotations

from pathlib import Path

from forum_shared.migrations import upgrade_to_head
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings

from forum_schedule.demo import read_programme
from forum_schedule.main import SERVICE
from forum_schedule.models import Base
from forum_schedule.use_cases.imports import ImportResult, import_programme

PACKAGE = "forum_schedule"


async def import_programme_file(path: Path, settings: ForumSettings) -> ImportResult:
    """Validate the file, draft it and release it in one transaction (see `POST /v1/imports`)."""
    programme = read_programme(path)
    runtime = ServiceRuntime(SERVICE, settings, Base.metadata)
    try:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        # The same schema path as the service's start-up, so the service can start on it later.
        await upgrade_to_head(runtime.engine, PACKAGE)
        return await import_programme(programme, uow_factory=runtime.uow)
    finally:
        await runtime.engine.dispose()


def describe(result: ImportResult) -> str:
    """What an import did, for a terminal."""
    counts = ", ".join(f"{name} {value}" for name, value in result.counts.items())
    if result.release is None:
        released = "nothing new to release"
    else:
        released = (
            f"released version {result.release.version} "
            f"with {len(result.release.changes)} changed session(s)"
        )
    return f"{result.forum.code}: {counts}; {released}"
