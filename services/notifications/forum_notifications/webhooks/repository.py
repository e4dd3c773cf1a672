"""SQL of webhooks: endpoints, delivery rows and their attempts. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.models import WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow
from forum_notifications.webhooks.domain import AttemptOutcome, DeliveryStatus


@dataclass(frozen=True)
class Claimed:
    """A leased delivery with what sending it needs from its endpoint."""

    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    body: str
    attempts: int
    retry_until: datetime
    url: str
    secret: str


async def enabled_endpoints(session: AsyncSession) -> Sequence[WebhookEndpointRow]:
    return (
        await session.scalars(select(WebhookEndpointRow).where(WebhookEndpointRow.enabled))
    ).all()


async def enabled_filters(session: AsyncSession) -> list[tuple[list[str], str | None]]:
    """(event filters, forum) of every enabled endpoint: what the intake's pre-filter needs."""
    rows = await session.execute(
        select(WebhookEndpointRow.event_filters, WebhookEndpointRow.forum_code).where(
            WebhookEndpointRow.enabled
        )
    )
    return [(list(filters), forum) for filters, forum in rows]


async def add_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Queue deliveries; one already there (a redelivered event) is left as it is."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = make_insert(WebhookDeliveryRow).on_conflict_do_nothing(index_elements=["id"])
    await session.execute(statement, list(rows))


async def claim_due(
    session: AsyncSession, *, now: datetime, lease_until: datetime, token: uuid.UUID, limit: int
) -> list[Claimed]:
    """Lease due deliveries of enabled endpoints; `SKIP LOCKED` lets replicas share them.

    SQLite ignores the row lock: one sender per SQLite file.
    """
    found = (
        await session.execute(
            select(WebhookDeliveryRow, WebhookEndpointRow)
            .join(WebhookEndpointRow, WebhookEndpointRow.id == WebhookDeliveryRow.endpoint_id)
            .where(
                WebhookDeliveryRow.status == DeliveryStatus.PENDING,
                WebhookDeliveryRow.next_attempt_at <= now,
                WebhookEndpointRow.enabled,
            )
            .order_by(WebhookDeliveryRow.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDeliveryRow)
        )
    ).all()
    claimed = []
    for delivery, endpoint in found:
        delivery.claim_token = token
        delivery.next_attempt_at = lease_until
        claimed.append(
            Claimed(
                id=delivery.id,
                endpoint_id=endpoint.id,
                event_id=delivery.event_id,
                event_type=delivery.event_type,
                body=delivery.body,
                attempts=delivery.attempts,
                retry_until=delivery.retry_until,
                url=endpoint.url,
                secret=endpoint.secret,
            )
        )
    return claimed


async def settle(
    session: AsyncSession,
    delivery: Claimed,
    token: uuid.UUID,
    *,
    outcome: AttemptOutcome,
    now: datetime,
    response_code: int | None,
    latency_ms: int,
    error: str | None,
    next_attempt_at: datetime | None,
) -> bool:
    """Record one attempt and the delivery's new state while our lease holds."""
    values: dict[str, Any] = {
        "claim_token": None,
        "attempts": delivery.attempts + 1,
        "response_code": response_code,
        "latency_ms": latency_ms,
        "last_error": error,
        "last_attempt_at": now,
    }
    if outcome is AttemptOutcome.DELIVERED:
        values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif outcome is AttemptOutcome.RETRIED and next_attempt_at is not None:
        values.update(next_attempt_at=next_attempt_at)
    else:
        values.update(status=DeliveryStatus.FAILED)
    result = await session.execute(
        update(WebhookDeliveryRow)
        .where(
            WebhookDeliveryRow.id == delivery.id,
            WebhookDeliveryRow.claim_token == token,
            WebhookDeliveryRow.status == DeliveryStatus.PENDING,
        )
        .values(**values)
    )
    if not getattr(result, "rowcount", 0):
        return False
    session.add(
        WebhookAttemptRow(
            delivery_id=delivery.id,
            attempted_at=now,
            outcome=outcome.value,
            response_code=response_code,
            latency_ms=latency_ms,
            error=error,
        )
    )
    return True


async def disable_endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, *, reason: str, now: datetime
) -> None:
    await session.execute(
        update(WebhookEndpointRow)
        .where(WebhookEndpointRow.id == endpoint_id)
        .values(enabled=False, disabled_reason=reason, updated_at=now)
    )


async def release_leases(
    session: AsyncSession, tokens: Iterable[uuid.UUID], *, now: datetime
) -> None:
    await session.execute(
        update(WebhookDeliveryRow)
        .where(
            WebhookDeliveryRow.claim_token.in_(list(tokens)),
            WebhookDeliveryRow.status == DeliveryStatus.PENDING,
        )
        .values(claim_token=None, next_attempt_at=now)
    )


async def get_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpointRow | None:
    return await session.get(WebhookEndpointRow, endpoint_id)


async def list_endpoints(session: AsyncSession) -> Sequence[WebhookEndpointRow]:
    return (
        await session.scalars(
            select(WebhookEndpointRow).order_by(
                WebhookEndpointRow.created_at, WebhookEndpointRow.id
            )
        )
    ).all()


async def delete_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> bool:
    ids = select(WebhookDeliveryRow.id).where(WebhookDeliveryRow.endpoint_id == endpoint_id)
    await session.execute(delete(WebhookAttemptRow).where(WebhookAttemptRow.delivery_id.in_(ids)))
    await session.execute(
        delete(WebhookDeliveryRow).where(WebhookDeliveryRow.endpoint_id == endpoint_id)
    )
    result = await session.execute(
        delete(WebhookEndpointRow).where(WebhookEndpointRow.id == endpoint_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def list_deliveries(
    session: AsyncSession, endpoint_id: uuid.UUID, *, status: str | None, limit: int
) -> Sequence[WebhookDeliveryRow]:
    query = (
        select(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.endpoint_id == endpoint_id)
        .order_by(WebhookDeliveryRow.created_at.desc(), WebhookDeliveryRow.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(WebhookDeliveryRow.status == status)
    return (await session.scalars(query)).all()


async def attempts_of(
    session: AsyncSession, delivery_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[WebhookAttemptRow]]:
    found: dict[uuid.UUID, list[WebhookAttemptRow]] = {i: [] for i in delivery_ids}
    if not delivery_ids:
        return found
    rows = await session.scalars(
        select(WebhookAttemptRow)
        .where(WebhookAttemptRow.delivery_id.in_(list(delivery_ids)))
        .order_by(WebhookAttemptRow.id)
    )
    for row in rows:
        found[row.delivery_id].append(row)
    return found


async def get_delivery(
    session: AsyncSession, delivery_id: uuid.UUID, *, for_update: bool = False
) -> WebhookDeliveryRow | None:
    return await session.get(WebhookDeliveryRow, delivery_id, with_for_update=for_update)


async def scrub_settled(session: AsyncSession, registration_id: str, *, keep: str) -> None:
    """Erasure: settled deliveries that carry the person's data keep their log, not the body.

    (Pending ones are still sent: the integrator then gets the `erased` event after them.)
    """
    await session.execute(
        update(WebhookDeliveryRow)
        .where(
            WebhookDeliveryRow.status.in_([DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]),
            WebhookDeliveryRow.event_type != keep,
            WebhookDeliveryRow.body.contains(registration_id, autoescape=True),
        )
        .values(body="")
    )
