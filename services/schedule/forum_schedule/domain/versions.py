"""Optimistic concurrency: an edit names the version it was based on; a stale one is refused."""

from __future__ import annotations

from dataclasses import dataclass

from forum_schedule.domain.errors import PreconditionFailedError, StaleVersionError


@dataclass(frozen=True)
class Expected:
    """The version a client based its edit on, and whether it came in `If-Match`."""

    version: int
    from_header: bool = False


def check_version(current: int, expected: Expected | None, *, what: tuple[str, str]) -> None:
    """Refuse an edit based on another version than `current` (no expectation: no check).

    `what` names the thing in Russian and English, e.g. ("Сессию", "The session").
    """
    if expected is None or expected.version == current:
        return
    error = PreconditionFailedError if expected.from_header else StaleVersionError
    raise error(
        f"{what[0]} уже изменили: у вас версия {expected.version}, актуальная — {current}. "
        "Обновите данные и повторите.",
        f"{what[1]} was changed meanwhile: you have version {expected.version}, the current "
        f"is {current}. Reload and retry.",
        current_version=current,
    )
