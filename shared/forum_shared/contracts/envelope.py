"""The one envelope every event on the bus travels in.

The envelope is the integrators' contract: `event_id` is the idempotency key (also the AMQP
`message_id`), `type` equals the routing key, `version` is the contract version of `data`.
Consumers must ignore fields they do not know; producers only add fields within a version.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class EventData(BaseModel):
    """Base of every event payload; a subclass names its routing key and contract version."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1


class EventEnvelope(BaseModel):
    """Metadata shared by all events; `data` holds the typed payload as a JSON object."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Idempotency key")
    type: str = Field(description="Routing key, `<context>.<entity>.<event>`")
    version: int = Field(ge=1, description="Contract version of `data`")
    occurred_at: datetime = Field(default_factory=utcnow, description="When it happened, UTC")
    producer: str = Field(description="Service that published the event")
    forum: str = Field(description="Code of the forum edition the event belongs to")
    correlation_id: uuid.UUID | None = Field(default=None, description="The originating request")
    causation_id: uuid.UUID | None = Field(default=None, description="The event that caused this")
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        data: EventData,
        *,
        producer: str,
        forum: str,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
    ) -> EventEnvelope:
        return cls(
            type=data.event_type,
            version=data.event_version,
            producer=producer,
            forum=forum,
            correlation_id=correlation_id,
            causation_id=causation_id,
            data=data.model_dump(mode="json"),
        )

    def caused(self, data: EventData, *, producer: str) -> EventEnvelope:
        """An event that this one caused: same correlation, this event as the cause."""
        return EventEnvelope.wrap(
            data,
            producer=producer,
            forum=self.forum,
            correlation_id=self.correlation_id or self.event_id,
            causation_id=self.event_id,
        )
