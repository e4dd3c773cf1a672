"""Tables the registration service owns (its own database; nobody else reads them).

`forums` and `sessions` are replicas fed by `schedule.*` events; the rest is ours.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData()


class ForumRow(Base):
    """The forum as the schedule service last described it."""

    __tablename__ = "forums"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registration_closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)
    # Registrations of this forum with status `confirmed`, kept by every status change under
    # the forum row lock (so the seat decision reads one row instead of counting them).
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SessionRow(Base):
    """A programme session as far as sign-ups care: capacity and status."""

    __tablename__ = "sessions"

    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    forum_code: Mapped[str] = mapped_column(String(100), index=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    # Agenda entries of this session with a seat (`confirmed`), kept under the session row
    # lock by every seat change, so a sign-up reads one row instead of counting them.
    seats_taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RegistrationRow(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("forum_code", "email_key", name="uq_registration_forum_email"),
        Index("ix_registration_queue", "forum_code", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    forum_code: Mapped[str] = mapped_column(String(100), ForeignKey("forums.code"))
    full_name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    organization: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    link_generation: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConsentRow(Base):
    """One consent as given: what for, which text, when and from where (152-FZ evidence)."""

    __tablename__ = "consents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    registration_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("registrations.id"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(50))
    text_version: Mapped[str] = mapped_column(String(50))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_address: Mapped[str | None] = mapped_column(String(64))


class AgendaRow(Base):
    """A session in an attendee's personal agenda, with a seat or a waitlist place."""

    __tablename__ = "agenda_entries"
    __table_args__ = (Index("ix_agenda_session_queue", "session_id", "status", "created_at"),)

    registration_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("registrations.id"), primary_key=True
    )
    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IdempotencyRow(Base):
    """A request made with an `Idempotency-Key`, and the answer it got."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionDetailsRow(Base):
    """What the pages show of a session (from the `schedule.session.changed` snapshot)."""

    __tablename__ = "session_details"

    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    forum_code: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    type: Mapped[str] = mapped_column(String(30))
    track: Mapped[str | None] = mapped_column(String(200))
    hall_name: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ForumDetailsRow(Base):
    """What the pages show of a forum besides its terms (from `schedule.forum.updated`)."""

    __tablename__ = "forum_details"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    venue: Mapped[dict[str, Any]] = mapped_column(JSON)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))


class AgendaViewRow(Base):
    """The agenda as the attendee last saw it on their personal page (to highlight changes)."""

    __tablename__ = "agenda_views"

    registration_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("registrations.id"), primary_key=True
    )
    seen: Mapped[dict[str, Any]] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
