"""The `notifications.webhooks` consumer: one delivery row per (event, matching endpoint).

The rows are written in the consumer's unit of work, with the inbox record: a redelivered
event finds its inbox row (or the same deterministic delivery ids) and queues nothing twice.
`registration.attendee.erased` also empties the bodies of that person's settled deliveries.
"""

from __future__ import annotations

from datetime import UTC, datetime

from forum_shared.contracts import EVENT_CATALOGUE, EventData, EventEnvelope
from forum_shared.contracts.registration import AttendeeErased
from forum_shared.db import UnitOfWork
from forum_shared.messaging.consumer import Handler

from forum_notifications.webhooks import repository
from forum_notifications.webhooks.domain import (
    DeliveryStatus,
    RetrySchedule,
    delivery_id,
    matches,
)

ERASED = AttendeeErased.event_type


async def queue_deliveries(
    uow: UnitOfWork, envelope: EventEnvelope, schedule: RetrySchedule, *, now: datetime
) -> int:
    """Queue the event for every enabled endpoint whose filters match; return how many."""
    if envelope.type == ERASED and "registration_id" in envelope.data:
        registration_id = str(envelope.data["registration_id"])
        await repository.scrub_settled(uow.session, registration_id, keep=ERASED)
    endpoints = await repository.enabled_endpoints(uow.session)
    wanted = [
        e
        for e in endpoints
        if matches(e.event_filters, e.forum_code, envelope.type, envelope.forum)
    ]
    if not wanted:
        return 0
    body = envelope.model_dump_json()
    await repository.add_deliveries(
        uow.session,
        [
            {
                "id": delivery_id(endpoint.id, envelope.event_id),
                "endpoint_id": endpoint.id,
                "event_id": envelope.event_id,
                "event_type": envelope.type,
                "forum_code": envelope.forum,
                "body": body,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "retry_until": now + schedule.give_up_after,
                "created_at": now,
            }
            for endpoint in wanted
        ],
    )
    return len(wanted)


def webhook_handlers(schedule: RetrySchedule) -> dict[str, Handler]:
    """The same handler for every event type in the catalogue (the queue binds `#`)."""

    async def on_any_event(envelope: EventEnvelope, _data: EventData, uow: UnitOfWork) -> None:
        await queue_deliveries(uow, envelope, schedule, now=datetime.now(UTC))

    return {event_type: on_any_event for event_type, _version in EVENT_CATALOGUE}
