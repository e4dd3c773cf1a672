"""The demo programme of ПромЭнергоVolga2022 shipped with the service (halls and times are
illustrative), and reading any programme file."""

from __future__ import annotations

from pathlib import Path

from forum_schedule.schemas.imports import ProgrammeFile

DEMO_PROGRAMME = Path(__file__).parent / "data" / "promenergovolga-2022.json"


def read_programme(path: Path = DEMO_PROGRAMME) -> ProgrammeFile:
    """Parse and validate a programme file (JSON, UTF-8)."""
    return ProgrammeFile.model_validate_json(path.read_text(encoding="utf-8"))
