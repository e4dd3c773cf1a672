"""Why a command was refused, in words an organiser can read (Russian first, English second)."""

from __future__ import annotations

from typing import Any


class ScheduleError(Exception):
    """Base of every refusal; the HTTP layer maps the subclass to a status code."""

    error = "schedule_error"

    def __init__(self, ru: str, en: str, **details: Any) -> None:
        super().__init__(en)
        self.ru = ru
        self.en = en
        self.details = details

    def message(self, locale: str) -> str:
        return self.en if locale == "en" else self.ru


class NotFoundError(ScheduleError):
    error = "not_found"


class InvalidError(ScheduleError):
    """The command is well-formed but breaks a rule (a date order, an unknown reference)."""

    error = "invalid"


class ConflictError(ScheduleError):
    """The command clashes with the current state (conflicts left, nothing to release)."""

    error = "conflict"


class NothingToReleaseError(ConflictError):
    """The drafts equal the latest release."""


class StaleVersionError(ScheduleError):
    """The client edited an old version: a newer write would otherwise be lost."""

    error = "stale_version"


class PreconditionFailedError(StaleVersionError):
    """An `If-Match` header named an old version."""

    error = "precondition_failed"
