"""Halls and speakers over HTTP."""

from __future__ import annotations

from typing import Any, Literal

from forum_shared.contracts.common import LocalizedText
from pydantic import BaseModel, ConfigDict, Field, field_validator

from forum_schedule.domain.catalogue import Hall, Speaker
from forum_schedule.domain.forum import check_email


class HallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: LocalizedText
    capacity: int = Field(ge=1, le=1_000_000)
    version: int | None = Field(default=None, ge=1, description="For edits: the version seen")

    def to_domain(self, code: str) -> Hall:
        return Hall(forum_code=code, name=self.name, capacity=self.capacity)


class SpeakerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=1, max_length=300)
    organization: str | None = Field(default=None, max_length=500)
    position: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)
    locale: Literal["ru", "en"] = "ru"
    version: int | None = Field(default=None, ge=1, description="For edits: the version seen")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return check_email(value) if value is not None else None

    def to_domain(self, code: str) -> Speaker:
        return Speaker(forum_code=code, **self.model_dump(exclude={"version"}))


def hall_out(hall: Hall) -> dict[str, Any]:
    return {
        "id": str(hall.id),
        "name": hall.name.model_dump(),
        "capacity": hall.capacity,
        "version": hall.version,
    }


def speaker_out(speaker: Speaker) -> dict[str, Any]:
    return {
        "id": str(speaker.id),
        **speaker.updated_event().model_dump(mode="json", exclude={"speaker_id"}),
    }
