"""Halls and speakers: the places and people sessions refer to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from forum_shared.contracts.common import LocalizedText
from forum_shared.contracts.schedule import HallUpdated, SpeakerUpdated

from forum_schedule.domain.forum import check_email


@dataclass(frozen=True)
class Hall:
    """A room of the venue; its capacity is the default and the ceiling of its sessions'."""

    forum_code: str
    name: LocalizedText
    capacity: int
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    version: int = 1

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError("вместимость зала — не меньше 1 (hall capacity must be ≥ 1)")

    def revise(self, name: LocalizedText, capacity: int) -> Hall:
        return replace(self, name=name, capacity=capacity, version=self.version + 1)

    def updated_event(self) -> HallUpdated:
        return HallUpdated(
            hall_id=self.id, name=self.name, capacity=self.capacity, version=self.version
        )


@dataclass(frozen=True)
class Speaker:
    """A speaker or moderator; the email lets notifications tell them of changes."""

    forum_code: str
    full_name: str
    organization: str | None = None
    position: str | None = None
    email: str | None = None
    locale: str = "ru"
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    version: int = 1

    def __post_init__(self) -> None:
        if not self.full_name.strip():
            raise ValueError("нужно имя спикера (speaker full_name is required)")
        if self.email is not None:
            check_email(self.email)
        if self.locale not in ("ru", "en"):
            raise ValueError("язык — ru или en (locale must be ru or en)")

    def updated_event(self) -> SpeakerUpdated:
        return SpeakerUpdated(
            speaker_id=self.id,
            full_name=self.full_name,
            organization=self.organization,
            position=self.position,
            email=self.email,
            locale=self.locale,
            version=self.version,
        )
