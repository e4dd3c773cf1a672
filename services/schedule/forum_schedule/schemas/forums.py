"""Forum editions over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

from forum_shared.contracts.common import LocalizedText
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from forum_schedule.domain.forum import Forum, ForumDetails, check_email, check_timezone


class ForumIn(BaseModel):
    """`PUT /v1/forums/{code}`: the whole forum (absent optional fields are cleared)."""

    model_config = ConfigDict(extra="forbid")

    title: LocalizedText
    venue: LocalizedText
    address: LocalizedText | None = None
    timezone: str = Field(description="IANA time zone, e.g. Europe/Volgograd")
    starts_on: date
    ends_on: date
    capacity: int | None = Field(default=None, ge=1)
    registration_opens_at: AwareDatetime | None = None
    registration_closes_at: AwareDatetime | None = None
    organizer: LocalizedText | None = None
    contact_email: str | None = Field(default=None, max_length=320)
    contact_phone: str | None = Field(default=None, max_length=64)
    version: int | None = Field(
        default=None, ge=1, description="The version this edit is based on (or If-Match)"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return check_email(value) if value is not None else None

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date, info: Any) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and value < starts_on:
            raise ValueError(
                "дата окончания раньше даты начала (ends_on must not be before starts_on)"
            )
        return value

    @field_validator("registration_closes_at")
    @classmethod
    def _closes_after_open(cls, value: AwareDatetime | None, info: Any) -> AwareDatetime | None:
        opens = info.data.get("registration_opens_at")
        if value is not None and opens is not None and value <= opens:
            raise ValueError(
                "регистрация должна закрываться позже, чем открывается "
                "(registration must close after it opens)"
            )
        return value

    def to_domain(self) -> ForumDetails:
        names = set(ForumIn.model_fields) - {"version"}
        return ForumDetails(**{name: getattr(self, name) for name in names})


def forum_out(forum: Forum) -> dict[str, Any]:
    return forum.updated_event().model_dump(mode="json")
