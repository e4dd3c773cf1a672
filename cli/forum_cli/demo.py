"""The demo forum for `forum dev`: ПромЭнергоVolga2022's programme, loaded on first start.

The programme keeps the forum's real dates (23–25 November 2022). So that a newcomer can
register and see the confirmation in /dev/mail, the demo edition's registration window is
opened from now for a year — an honest exception, said plainly in the log.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from forum_schedule.demo import read_programme
from forum_schedule.use_cases.imports import import_programme
from forum_shared.service import ServiceRuntime

log = logging.getLogger("forum.dev")

DEMO_CODE = "promenergovolga-2022"


async def load_demo_once(schedule: ServiceRuntime, marker: Path) -> bool:
    """Import the demo programme unless this var dir already has it; True if it loaded now."""
    if marker.exists():  # noqa: ASYNC240 - once at start-up, before serving
        return False
    programme = read_programme()
    now = datetime.now(UTC).replace(microsecond=0)
    forum = programme.forum.model_copy(
        update={"registration_opens_at": now, "registration_closes_at": now + timedelta(days=365)}
    )
    result = await import_programme(
        programme.model_copy(update={"forum": forum}), uow_factory=schedule.uow
    )
    marker.write_text(f"{result.forum.code} loaded {now.isoformat()}\n")  # noqa: ASYNC240
    log.info(
        "demo forum %s loaded: %s; registration open until %s (demo only: the forum itself "
        "took place on its real dates)",
        result.forum.code,
        ", ".join(f"{k} {v}" for k, v in result.counts.items()),
        (now + timedelta(days=365)).date(),
    )
    return True
