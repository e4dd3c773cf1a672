"""A programme file: forum, halls, speakers and sessions named by keys (ru and en texts)."""

from __future__ import annotations

from typing import Any

from forum_shared.contracts.common import LocalizedText
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from forum_schedule.domain.catalogue import Hall, Speaker
from forum_schedule.domain.forum import check_code
from forum_schedule.domain.imports import imported_id
from forum_schedule.domain.sessions import Session
from forum_schedule.schemas.catalogue import HallIn, SpeakerIn
from forum_schedule.schemas.forums import ForumIn
from forum_schedule.schemas.sessions import SessionIn

KEY = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")


class ForumFile(ForumIn):
    code: str

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return check_code(value)


class HallFile(HallIn):
    key: str = KEY


class SpeakerFile(SpeakerIn):
    key: str = KEY


class SessionFile(SessionIn):
    key: str = KEY
    hall: str | None = None
    speakers: list[str] = Field(default_factory=list)
    moderators: list[str] = Field(default_factory=list)


class ProgrammeFile(BaseModel):
    """The whole programme; `note` says what in it is illustrative."""

    model_config = ConfigDict(extra="forbid")

    note: LocalizedText | None = None
    forum: ForumFile
    halls: list[HallFile] = Field(default_factory=list)
    speakers: list[SpeakerFile] = Field(default_factory=list)
    sessions: list[SessionFile] = Field(default_factory=list)
    force: bool = False
    reason: str | None = None

    @model_validator(mode="after")
    def _references_resolve(self) -> ProgrammeFile:
        for kind, items in (("halls", self.halls), ("speakers", self.speakers)):
            keys = [item.key for item in items]
            if len(set(keys)) != len(keys):
                raise ValueError(f"повторяющиеся ключи в {kind} (duplicate keys in {kind})")
        if len({s.key for s in self.sessions}) != len(self.sessions):
            raise ValueError("повторяющиеся ключи сессий (duplicate session keys)")
        halls, people = {h.key for h in self.halls}, {s.key for s in self.speakers}
        for item in self.sessions:
            if item.hall is not None and item.hall not in halls:
                raise ValueError(f"сессия {item.key}: неизвестный зал {item.hall} (unknown hall)")
            unknown = sorted((set(item.speakers) | set(item.moderators)) - people)
            if unknown:
                raise ValueError(f"сессия {item.key}: неизвестные спикеры {unknown}")
        return self

    @property
    def code(self) -> str:
        return self.forum.code

    def halls_domain(self) -> list[Hall]:
        return [
            Hall(self.code, h.name, h.capacity, id=imported_id(self.code, "hall", h.key))
            for h in self.halls
        ]

    def speakers_domain(self) -> list[Speaker]:
        return [
            Speaker(
                forum_code=self.code,
                id=imported_id(self.code, "speaker", s.key),
                **s.model_dump(exclude={"key", "version"}),
            )
            for s in self.speakers
        ]

    def sessions_domain(self) -> list[Session]:
        drafts = []
        for item in self.sessions:
            values: dict[str, Any] = {
                "hall_id": imported_id(self.code, "hall", item.hall) if item.hall else None,
                "speaker_ids": [imported_id(self.code, "speaker", k) for k in item.speakers],
                "moderator_ids": [imported_id(self.code, "speaker", k) for k in item.moderators],
            }
            base = SessionIn.model_validate(
                item.model_dump(exclude={"key", "hall", "speakers", "moderators"}) | values
            )
            draft_id = imported_id(self.code, "session", item.key)
            drafts.append(Session(forum_code=self.code, plan=base.to_domain(), id=draft_id))
        return drafts
