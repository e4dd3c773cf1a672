"""Value types that several contracts share."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class LocalizedText(BaseModel):
    """Every translatable text: Russian first, English second."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ru: str = Field(min_length=1, max_length=2000)
    en: str = Field(default="", max_length=2000)

    def in_locale(self, locale: str) -> str:
        return self.en if locale == "en" and self.en else self.ru


class Locale(StrEnum):
    RU = "ru"
    EN = "en"


class AttendeeCategory(StrEnum):
    DELEGATE = "delegate"
    SPEAKER = "speaker"
    EXHIBITOR = "exhibitor"
    PRESS = "press"
    GUEST = "guest"
    OFFICIAL = "official"


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    PENDING_APPROVAL = "pending_approval"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class SessionType(StrEnum):
    PLENARY = "plenary"
    COMMITTEE_MEETING = "committee_meeting"
    CONFERENCE = "conference"
    PANEL = "panel"
    ROUND_TABLE = "round_table"
    SEMINAR = "seminar"
    CEREMONY = "ceremony"
    EXHIBITION = "exhibition"
    PHOTO_EXHIBITION = "photo_exhibition"
