"""Events the registration service publishes (`registration.*`).

Personal data travels only where a consumer needs it: the notifications service must know
whom to write to. The manage link never travels; consumers that hold the platform's secret
derive it from `registration_id` and `link_generation` (see `forum_shared.links`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from forum_shared.contracts.common import AttendeeCategory, RegistrationStatus
from forum_shared.contracts.envelope import EventData


class AgendaStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"


class AgendaEntry(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    session_id: uuid.UUID
    status: AgendaStatus = AgendaStatus.CONFIRMED


class AttendeeEvent(EventData):
    """Fields every attendee event carries, so a consumer can keep its replica from any one."""

    registration_id: uuid.UUID
    version: int = Field(ge=1, description="Grows with every change to this registration")


class AttendeeRegistered(AttendeeEvent):
    event_type: ClassVar[str] = "registration.attendee.registered"

    full_name: str
    email: str
    phone: str | None = None
    organization: str | None = None
    position: str | None = None
    region: str
    category: AttendeeCategory
    locale: str = "ru"
    status: RegistrationStatus
    agenda: list[AgendaEntry] = Field(default_factory=list)
    link_generation: int = 1
    registered_at: datetime


class AttendeeApproved(AttendeeEvent):
    event_type: ClassVar[str] = "registration.attendee.approved"
    status: RegistrationStatus


class AttendeeRejected(AttendeeEvent):
    event_type: ClassVar[str] = "registration.attendee.rejected"
    reason: str | None = None


class AttendeeCancelled(AttendeeEvent):
    event_type: ClassVar[str] = "registration.attendee.cancelled"
    by_organizer: bool = False


class AttendeePromoted(AttendeeEvent):
    """A waitlisted attendee got a place at the forum."""

    event_type: ClassVar[str] = "registration.attendee.promoted"


class AttendeeUpdated(AttendeeEvent):
    """Contact details or preferences changed; absent fields did not change."""

    event_type: ClassVar[str] = "registration.attendee.updated"

    full_name: str | None = None
    email: str | None = None
    locale: str | None = None
    organization: str | None = None
    position: str | None = None


class AttendeeErased(AttendeeEvent):
    """Personal data was erased on the attendee's request: consumers must forget it too."""

    event_type: ClassVar[str] = "registration.attendee.erased"


class AttendeeCheckedIn(AttendeeEvent):
    event_type: ClassVar[str] = "registration.attendee.checked_in"
    checked_in_at: datetime


class AgendaChanged(AttendeeEvent):
    """The personal agenda as it now is; `promoted` lists sessions whose waitlist it left,
    `cancelled` the sessions it lost because the programme cancelled them (the event's
    `causation_id` is then that schedule event)."""

    event_type: ClassVar[str] = "registration.agenda.changed"

    agenda: list[AgendaEntry]
    promoted: list[uuid.UUID] = Field(default_factory=list)
    cancelled: list[uuid.UUID] = Field(default_factory=list)


class ManageLinkRequested(AttendeeEvent):
    """The attendee asked for their manage link again; it was rotated."""

    event_type: ClassVar[str] = "registration.link.requested"
    link_generation: int
