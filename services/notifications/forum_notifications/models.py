"""Tables of the notifications service: replicas kept from events, the email log, webhooks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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
    version: Mapped[int]


class AttendeeRow(Base):
    __tablename__ = "attendees"

    registration_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    forum_code: Mapped[str] = mapped_column(String(64), index=True)
    full_name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    agenda: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    link_generation: Mapped[int] = mapped_column(default=1)
    version: Mapped[int]


class AgendaEntryRow(Base):
    """Who chose which session: the index a schedule change fans out through."""

    __tablename__ = "agenda_entries"

    registration_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(16))


class SessionRow(Base):
    """The latest released state of a session (`SessionSnapshot` as JSON)."""

    __tablename__ = "sessions"

    session_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    forum_code: Mapped[str] = mapped_column(String(64), index=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int]


class HallRow(Base):
    __tablename__ = "halls"

    hall_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    forum_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    version: Mapped[int]


class SpeakerRow(Base):
    __tablename__ = "speakers"

    speaker_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    forum_code: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    locale: Mapped[str] = mapped_column(String(8))
    version: Mapped[int]


class ReleaseRow(Base):
    """A published release waiting for its `session.changed` events, then fanned out once."""

    __tablename__ = "releases"

    forum_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    release_version: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[uuid.UUID]
    correlation_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    session_ids: Mapped[list[str]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    planned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    recipients: Mapped[int | None] = mapped_column(nullable=True)


class SessionChangeRow(Base):
    """One `schedule.session.changed` of a release: the session before and after."""

    __tablename__ = "session_changes"

    forum_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    release_version: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kinds: Mapped[list[str]] = mapped_column(JSON)
    session: Mapped[dict[str, Any]] = mapped_column(JSON)
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The `session.changed` event itself: an agenda change it caused names it as its cause.
    event_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)


class FormerHolderRow(Base):
    """A session that an event, not the attendee, took out of an agenda (a cancellation).

    The registration service drops a cancelled session from every agenda and says so in an
    `agenda.changed` caused by the `session.changed`. If that lands here before the digest
    planner plans the release, the agenda no longer shows the attendee as affected; this row
    does, until the release naming the cause is planned (or `removed_at` is long past).
    """

    __tablename__ = "former_holders"

    cause_event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    registration_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    removed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class PreferenceRow(Base):
    """What a person (by email address) chose not to receive; transactional mail ignores it."""

    __tablename__ = "preferences"

    email_key: Mapped[str] = mapped_column(String(320), primary_key=True)
    digests: Mapped[bool] = mapped_column(default=True)
    reminders: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EmailRow(Base):
    """One email to one person for one reason; unique per (source event, recipient, template)."""

    __tablename__ = "emails"
    __table_args__ = (
        UniqueConstraint("source_event_id", "recipient_id", "template", name="uq_emails_reason"),
        Index("ix_emails_due", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    source_event_id: Mapped[uuid.UUID] = mapped_column(index=True)
    recipient_id: Mapped[uuid.UUID] = mapped_column(index=True)
    template: Mapped[str] = mapped_column(String(64))
    forum_code: Mapped[str] = mapped_column(String(64))
    correlation_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    to_name: Mapped[str] = mapped_column(String(300))
    to_email: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(8))
    # Rendered when queued, or (digests) when first leased: NULL until then, `payload` says what.
    subject: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    text_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    html_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    message_id: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # W3C trace context of the event that queued it, so the SMTP send joins that trace.
    trace_context: Mapped[str | None] = mapped_column(Text, nullable=True)


class WebhookEndpointRow(Base):
    """An integrator's HTTP endpoint: where events matching its filters are POSTed, signed."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    event_filters: Mapped[list[str]] = mapped_column(JSON)
    forum_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    description: Mapped[str | None] = mapped_column(String(300), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookDeliveryRow(Base):
    """One event for one endpoint; `id` is derived from both, so it is the same on every try."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_deliveries_event"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    endpoint_id: Mapped[uuid.UUID]
    event_id: Mapped[uuid.UUID]
    event_type: Mapped[str] = mapped_column(String(100))
    forum_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body: Mapped[str] = mapped_column(Text)  # the envelope as sent: serialised once, signed
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retry_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    response_code: Mapped[int | None] = mapped_column(nullable=True)
    latency_ms: Mapped[int | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebhookAttemptRow(Base):
    """Every HTTP attempt of a delivery: outcome, response code, latency, error."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    delivery_id: Mapped[uuid.UUID] = mapped_column(index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16))
    response_code: Mapped[int | None] = mapped_column(nullable=True)
    latency_ms: Mapped[int] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
