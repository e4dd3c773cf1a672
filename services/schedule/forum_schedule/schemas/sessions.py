"""Draft sessions over HTTP: create, partial edit, and the draft as answered."""

from __future__ import annotations

import uuid
from typing import Any

from forum_shared.contracts.common import LocalizedText, SessionType
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from forum_schedule.domain.sessions import Session, SessionPlan, make_plan

_REQUIRED = ("title", "type", "starts_at", "ends_at")


class SessionIn(BaseModel):
    """`POST …/sessions`: times are ISO 8601 with an offset; capacity defaults to the hall's."""

    model_config = ConfigDict(extra="forbid")

    title: LocalizedText
    description: LocalizedText | None = None
    type: SessionType
    track: str | None = Field(default=None, max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    hall_id: uuid.UUID | None = None
    capacity: int | None = Field(default=None, ge=1)
    speaker_ids: list[uuid.UUID] = Field(default_factory=list)
    moderator_ids: list[uuid.UUID] = Field(default_factory=list)

    def to_domain(self) -> SessionPlan:
        people = {"speaker_ids", "moderator_ids"}
        values = {
            name: getattr(self, name) for name in type(self).model_fields if name not in people
        }
        return make_plan(
            **values,
            speaker_ids=tuple(dict.fromkeys(self.speaker_ids)),
            moderator_ids=tuple(dict.fromkeys(self.moderator_ids)),
        )


class SessionPatch(BaseModel):
    """`PATCH …/sessions/{id}`: only the fields sent change; `version` or `If-Match` required."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)
    title: LocalizedText | None = None
    description: LocalizedText | None = None
    type: SessionType | None = None
    track: str | None = Field(default=None, max_length=200)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    hall_id: uuid.UUID | None = None
    capacity: int | None = Field(default=None, ge=1)
    speaker_ids: list[uuid.UUID] | None = None
    moderator_ids: list[uuid.UUID] | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> SessionPatch:
        for name in _REQUIRED:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"поле {name} нельзя очистить ({name} cannot be null)")
        return self

    def changes(self) -> dict[str, Any]:
        sent = self.model_fields_set - {"version"}
        changes: dict[str, Any] = {name: getattr(self, name) for name in sent}
        for name in ("speaker_ids", "moderator_ids"):
            if name in changes:
                changes[name] = tuple(dict.fromkeys(changes[name] or ()))
        return changes


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)


def session_out(draft: Session) -> dict[str, Any]:
    plan = draft.plan
    return {
        "id": str(draft.id),
        "forum": draft.forum_code,
        "title": plan.title.model_dump(),
        "description": plan.description.model_dump() if plan.description else None,
        "type": plan.type.value,
        "track": plan.track,
        "starts_at": plan.starts_at.isoformat(),
        "ends_at": plan.ends_at.isoformat(),
        "hall_id": str(plan.hall_id) if plan.hall_id else None,
        "capacity": plan.capacity,
        "speaker_ids": [str(value) for value in plan.speaker_ids],
        "moderator_ids": [str(value) for value in plan.moderator_ids],
        "status": "cancelled" if draft.cancelled else "draft",
        "version": draft.version,
    }
