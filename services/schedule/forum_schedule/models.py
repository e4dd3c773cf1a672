"""Tables of the schedule service, on its own metadata (the runtime adds outbox and inbox)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out — also on SQLite, which drops the offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData()


class ForumRow(Base):
    __tablename__ = "forums"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    venue: Mapped[dict[str, str]] = mapped_column(JSON)
    address: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    timezone: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    organizer: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HallRow(Base):
    __tablename__ = "halls"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    forum_code: Mapped[str] = mapped_column(ForeignKey("forums.code"), index=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    capacity: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)


class SpeakerRow(Base):
    __tablename__ = "speakers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    forum_code: Mapped[str] = mapped_column(ForeignKey("forums.code"), index=True)
    full_name: Mapped[str] = mapped_column(String(300))
    organization: Mapped[str | None] = mapped_column(String(500), nullable=True)
    position: Mapped[str | None] = mapped_column(String(500), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    locale: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)


class SessionRow(Base):
    """A draft session; releases copy it into snapshots, they never change it."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    forum_code: Mapped[str] = mapped_column(ForeignKey("forums.code"), index=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    type: Mapped[str] = mapped_column(String(32))
    track: Mapped[str | None] = mapped_column(String(200), nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    hall_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("halls.id"), nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    speaker_ids: Mapped[list[str]] = mapped_column(JSON)
    moderator_ids: Mapped[list[str]] = mapped_column(JSON)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReleaseRow(Base):
    """A published programme: every session's snapshot and the changelog against N-1."""

    __tablename__ = "releases"

    forum_code: Mapped[str] = mapped_column(ForeignKey("forums.code"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)
    forced_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    sessions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
