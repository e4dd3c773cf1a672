"""Draft sessions: what organisers edit between releases, guarded by a version per session."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from forum_shared.contracts.common import LocalizedText, SessionType

from forum_schedule.domain.errors import ConflictError, InvalidError
from forum_schedule.domain.versions import Expected, check_version


@dataclass(frozen=True)
class SessionPlan:
    """The editable fields of a session."""

    title: LocalizedText
    type: SessionType
    starts_at: datetime
    ends_at: datetime
    description: LocalizedText | None = None
    track: str | None = None
    hall_id: uuid.UUID | None = None
    capacity: int | None = None
    speaker_ids: tuple[uuid.UUID, ...] = ()
    moderator_ids: tuple[uuid.UUID, ...] = ()

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("время — со смещением часового пояса (times need a UTC offset)")
        if self.ends_at <= self.starts_at:
            raise ValueError("сессия заканчивается раньше, чем начинается (ends_at ≤ starts_at)")
        if self.capacity is not None and self.capacity < 1:
            raise ValueError("вместимость — не меньше 1 (capacity must be ≥ 1)")

    @classmethod
    def field_names(cls) -> set[str]:
        return {item.name for item in fields(cls)}

    def people(self) -> set[uuid.UUID]:
        return set(self.speaker_ids) | set(self.moderator_ids)

    def overlaps(self, other: SessionPlan) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


@dataclass(frozen=True)
class Session:
    """A session as drafted; `version` counts edits and guards against lost updates."""

    forum_code: str
    plan: SessionPlan
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    cancelled: bool = False
    version: int = 1

    def check_version(self, expected: Expected) -> None:
        check_version(self.version, expected, what=("Сессию", "The session"))

    def edit(self, changes: dict[str, Any]) -> Session:
        if self.cancelled:
            raise ConflictError(
                "Отменённую сессию нельзя изменить", "A cancelled session cannot be edited"
            )
        try:
            plan = replace(self.plan, **changes)
        except ValueError as error:
            raise InvalidError(str(error), str(error)) from None
        return replace(self, plan=plan, version=self.version + 1)

    def cancel(self) -> Session:
        if self.cancelled:
            raise ConflictError("Сессия уже отменена", "The session is already cancelled")
        return replace(self, cancelled=True, version=self.version + 1)

    def restore(self) -> Session:
        """Undo a cancellation; the next release reports the session as added again."""
        if not self.cancelled:
            raise ConflictError("Сессия не отменена", "The session is not cancelled")
        return replace(self, cancelled=False, version=self.version + 1)


def make_plan(**values: Any) -> SessionPlan:
    """A plan from validated input; a broken rule becomes a readable refusal."""
    try:
        return SessionPlan(**values)
    except ValueError as error:
        raise InvalidError(str(error), str(error)) from None


def check_references(
    plan: SessionPlan, hall_ids: Collection[uuid.UUID], speaker_ids: Collection[uuid.UUID]
) -> None:
    """The hall and the people a session names must belong to the same forum."""
    if plan.hall_id is not None and plan.hall_id not in hall_ids:
        raise InvalidError(
            f"Зал {plan.hall_id} не найден в этом форуме",
            f"Hall {plan.hall_id} is not in this forum",
            field="hall_id",
        )
    unknown = sorted(str(person) for person in plan.people() - set(speaker_ids))
    if unknown:
        raise InvalidError(
            f"Спикеры не найдены в этом форуме: {', '.join(unknown)}",
            f"Speakers not in this forum: {', '.join(unknown)}",
            field="speaker_ids",
        )
