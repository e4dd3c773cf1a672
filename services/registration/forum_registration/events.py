"""Registration rows turned into the events other services read (no more personal data than
they need, and never the manage token)."""

from __future__ import annotations

import uuid

from forum_shared.contracts.common import AttendeeCategory, RegistrationStatus
from forum_shared.contracts.envelope import EventData, EventEnvelope
from forum_shared.contracts.registration import (
    AgendaChanged,
    AgendaEntry,
    AgendaStatus,
    AttendeeApproved,
    AttendeeCancelled,
    AttendeeCheckedIn,
    AttendeeErased,
    AttendeePromoted,
    AttendeeRegistered,
    AttendeeRejected,
    AttendeeUpdated,
    ManageLinkRequested,
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


def promoted(row: RegistrationRow) -> AttendeePromoted:
    return AttendeePromoted(registration_id=row.id, version=row.version)


def cancelled(row: RegistrationRow, *, by_organizer: bool = False) -> AttendeeCancelled:
    return AttendeeCancelled(registration_id=row.id, version=row.version, by_organizer=by_organizer)


def erased(row: RegistrationRow) -> AttendeeErased:
    return AttendeeErased(registration_id=row.id, version=row.version)


def agenda_changed(
    row: RegistrationRow,
    agenda: list[AgendaRow],
    promoted_to: list[uuid.UUID] | None = None,
    *,
    cancelled: list[uuid.UUID] | None = None,
) -> AgendaChanged:
    return AgendaChanged(
        registration_id=row.id,
        version=row.version,
        agenda=agenda_entries(agenda),
        promoted=promoted_to or [],
        cancelled=cancelled or [],
    )


def link_requested(row: RegistrationRow) -> ManageLinkRequested:
    return ManageLinkRequested(
        registration_id=row.id, version=row.version, link_generation=row.link_generation
    )


def approved(row: RegistrationRow) -> AttendeeApproved:
    return AttendeeApproved(
        registration_id=row.id, version=row.version, status=RegistrationStatus(row.status)
    )


def rejected(row: RegistrationRow, reason: str | None) -> AttendeeRejected:
    return AttendeeRejected(registration_id=row.id, version=row.version, reason=reason)


def checked_in(row: RegistrationRow) -> AttendeeCheckedIn:
    assert row.checked_in_at is not None
    return AttendeeCheckedIn(
        registration_id=row.id, version=row.version, checked_in_at=row.checked_in_at
    )


def updated(row: RegistrationRow, changed: dict[str, str | None]) -> AttendeeUpdated:
    """Only the fields the contract carries; the rest (phone, region) stay in this service."""
    carried = {k: v for k, v in changed.items() if k in AttendeeUpdated.model_fields}
    carried.pop("registration_id", None)
    carried.pop("version", None)
    return AttendeeUpdated(registration_id=row.id, version=row.version, **carried)
