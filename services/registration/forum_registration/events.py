"""Registration rows turned into the events other services read (no more personal data than
they need, and never the manage token)."""

from __future__ import annotations

import uuid

from forum_shared.contracts.common import AttendeeCategory, RegistrationStatus
from forum_shared.contracts.envelope import EventData, EventEnvelope
from forum_shared.contracts.registration import (
    AgendaEntry,
    AgendaStatus,
    AttendeeRegistered,
)

from forum_registration.models import AgendaRow, RegistrationRow

PRODUCER = "registration"


def envelope(
    data: EventData, *, forum: str, correlation_id: uuid.UUID | None = None
) -> EventEnvelope:
    return EventEnvelope.wrap(data, producer=PRODUCER, forum=forum, correlation_id=correlation_id)


def agenda_entries(rows: list[AgendaRow]) -> list[AgendaEntry]:
    return [AgendaEntry(session_id=row.session_id, status=AgendaStatus(row.status)) for row in rows]


def registered(row: RegistrationRow, agenda: list[AgendaRow]) -> AttendeeRegistered:
    return AttendeeRegistered(
        registration_id=row.id,
        version=row.version,
        full_name=row.full_name,
        email=row.email,
        phone=row.phone,
        organization=row.organization,
        position=row.position,
        region=row.region,
        category=AttendeeCategory(row.category),
        locale=row.locale,
        status=RegistrationStatus(row.status),
        agenda=agenda_entries(agenda),
        link_generation=row.link_generation,
        registered_at=row.created_at,
    )
