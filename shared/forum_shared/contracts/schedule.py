"""Events the schedule service publishes (`schedule.*`).

Every entity carries a `version` that grows with each change, so consumers keep read models
in order even when events arrive out of order or twice.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from forum_shared.contracts.common import LocalizedText, SessionType
from forum_shared.contracts.envelope import EventData


class ForumUpdated(EventData):
    """A forum edition was created or its details changed."""

    event_type: ClassVar[str] = "schedule.forum.updated"

    code: str
    title: LocalizedText
    venue: LocalizedText
    address: LocalizedText | None = None
    timezone: str = Field(description="IANA time zone, e.g. Europe/Volgograd")
    starts_on: date
    ends_on: date
    capacity: int | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    organizer: LocalizedText | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    version: int = Field(ge=1)


class HallUpdated(EventData):
    """A hall was added or changed."""

    event_type: ClassVar[str] = "schedule.hall.updated"

    hall_id: uuid.UUID
    name: LocalizedText
    capacity: int = Field(ge=0)
    version: int = Field(ge=1)


class SpeakerUpdated(EventData):
    """A speaker or moderator was added or changed; the email lets us tell them of changes."""

    event_type: ClassVar[str] = "schedule.speaker.updated"

    speaker_id: uuid.UUID
    full_name: str
    organization: str | None = None
    position: str | None = None
    email: str | None = None
    locale: str = "ru"
    version: int = Field(ge=1)


class SessionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class SessionSnapshot(BaseModel):
    """A session as a release published it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    session_id: uuid.UUID
    title: LocalizedText
    description: LocalizedText | None = None
    type: SessionType
    track: str | None = None
    starts_at: datetime
    ends_at: datetime
    hall_id: uuid.UUID | None = None
    hall_name: LocalizedText | None = None
    capacity: int | None = None
    speaker_ids: list[uuid.UUID] = Field(default_factory=list)
    moderator_ids: list[uuid.UUID] = Field(default_factory=list)
    status: SessionStatus = SessionStatus.PUBLISHED
    version: int = Field(ge=1)


class ChangeKind(StrEnum):
    ADDED = "added"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    MOVED = "moved"
    RETITLED = "retitled"
    SPEAKERS_CHANGED = "speakers_changed"
    CAPACITY_CHANGED = "capacity_changed"
    DETAILS_CHANGED = "details_changed"


class SessionChanged(EventData):
    """One session as of a release, with what changed against the previous release."""

    event_type: ClassVar[str] = "schedule.session.changed"

    release_version: int = Field(ge=1)
    kinds: list[ChangeKind]
    session: SessionSnapshot
    previous: SessionSnapshot | None = None


class ReleaseChange(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    session_id: uuid.UUID
    kinds: list[ChangeKind]


class ReleasePublished(EventData):
    """A programme release; its per-session details follow as `schedule.session.changed`."""

    event_type: ClassVar[str] = "schedule.release.published"

    release_version: int = Field(ge=1)
    published_at: datetime
    changes: list[ReleaseChange]
    forced_reason: str | None = None
