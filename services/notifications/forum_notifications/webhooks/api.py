"""Webhook admin API (organiser's token): endpoints, their delivery log, replay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response
from forum_shared.http import admin_guard
from forum_shared.service import ServiceRuntime
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from forum_notifications.models import WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow
from forum_notifications.webhooks import repository
from forum_notifications.webhooks.domain import (
    DeliveryStatus,
    RetrySchedule,
    filter_problem,
    new_secret,
    url_problem,
)
from forum_notifications.webhooks.registry import EndpointRegistry

Filters = Annotated[list[str], Field(min_length=1, max_length=50)]


def _check_url(url: str) -> str:
    problem = url_problem(url)
    if problem:
        raise ValueError(problem)
    return url


def _check_filters(filters: list[str]) -> list[str]:
    for pattern in filters:
        problem = filter_problem(pattern)
        if problem:
            raise ValueError(problem)
    return list(dict.fromkeys(filters))


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000)
    event_filters: Filters = Field(
        description="Routing-key patterns, AMQP topic style: `registration.attendee.*`, `#`"
    )
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="Generated when absent"
    )
    forum_code: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=300)
    enabled: bool = True

    _url = field_validator("url")(_check_url)
    _filters = field_validator("event_filters")(_check_filters)


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    event_filters: Filters | None = None
    forum_code: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=300)
    enabled: bool | None = None
    rotate_secret: bool = False

    @model_validator(mode="after")
    def _required_stay_set(self) -> EndpointPatch:
        for name in ("url", "event_filters", "enabled"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"поле {name} нельзя очистить / {name} cannot be null")
        return self

    @field_validator("url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        return None if url is None else _check_url(url)

    @field_validator("event_filters")
    @classmethod
    def _filters(cls, filters: list[str] | None) -> list[str] | None:
        return None if filters is None else _check_filters(filters)


class EndpointOut(BaseModel):
    id: uuid.UUID
    url: str
    event_filters: list[str]
    forum_code: str | None
    description: str | None
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime
    secret: str | None = Field(
        default=None, description="Only in the answer that creates or rotates it"
    )

    @classmethod
    def of(cls, row: WebhookEndpointRow, *, secret: str | None = None) -> EndpointOut:
        out = cls.model_validate(row, from_attributes=True)
        out.secret = secret
        return out


class AttemptOut(BaseModel):
    attempted_at: datetime
    outcome: str
    response_code: int | None
    latency_ms: int
    error: str | None


class DeliveryOut(BaseModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    forum_code: str | None
    status: str
    attempts: int
    response_code: int | None
    latency_ms: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    retry_until: datetime
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    attempt_log: list[AttemptOut] = Field(default_factory=list)

    @classmethod
    def of(
        cls, row: WebhookDeliveryRow, attempts: list[WebhookAttemptRow] | None = None
    ) -> DeliveryOut:
        out = cls.model_validate(row, from_attributes=True)
        if row.status != DeliveryStatus.PENDING:
            out.next_attempt_at = None
        out.attempt_log = [
            AttemptOut.model_validate(a, from_attributes=True) for a in attempts or []
        ]
        return out


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    count: int


def _not_found(what: str) -> HTTPException:
    return HTTPException(status_code=404, detail={"error": "not_found", "message": what})


ENDPOINT_NOT_FOUND = "Вебхук не найден / webhook not found"


def webhooks_router(
    runtime: ServiceRuntime, schedule: RetrySchedule, endpoints: EndpointRegistry
) -> APIRouter:
    router = APIRouter(
        prefix="/v1/webhooks",
        tags=["webhooks"],
        dependencies=[admin_guard(runtime.settings.admin_token)],
    )

    @router.post("", status_code=201)
    async def create_endpoint(body: EndpointIn) -> EndpointOut:
        """Register an endpoint; the answer shows its signing secret, this once."""
        now = datetime.now(UTC)
        secret = body.secret or new_secret()
        row = WebhookEndpointRow(
            id=uuid.uuid4(),
            url=body.url,
            secret=secret,
            event_filters=body.event_filters,
            forum_code=body.forum_code,
            description=body.description,
            enabled=body.enabled,
            created_at=now,
            updated_at=now,
        )
        async with runtime.uow() as uow:
            uow.session.add(row)
            await uow.commit()
        endpoints.invalidate()
        return EndpointOut.of(row, secret=secret)

    @router.get("")
    async def list_endpoints() -> list[EndpointOut]:
        async with runtime.session_factory() as session:
            return [EndpointOut.of(row) for row in await repository.list_endpoints(session)]

    @router.get("/{endpoint_id}")
    async def get_endpoint(endpoint_id: uuid.UUID) -> EndpointOut:
        async with runtime.session_factory() as session:
            row = await repository.get_endpoint(session, endpoint_id)
        if row is None:
            raise _not_found(ENDPOINT_NOT_FOUND)
        return EndpointOut.of(row)

    @router.patch("/{endpoint_id}")
    async def edit_endpoint(endpoint_id: uuid.UUID, body: EndpointPatch) -> EndpointOut:
        """Change the URL, filters, forum, description; enable or disable; rotate the secret."""
        changes = body.model_dump(exclude_unset=True, exclude={"rotate_secret"})
        secret = new_secret() if body.rotate_secret else None
        async with runtime.uow() as uow:
            row = await repository.get_endpoint(uow.session, endpoint_id)
            if row is None:
                raise _not_found(ENDPOINT_NOT_FOUND)
            for name, value in changes.items():
                setattr(row, name, value)
            if changes.get("enabled"):
                row.disabled_reason = None
            elif changes.get("enabled") is False:
                row.disabled_reason = "disabled by an organiser"
            if secret:
                row.secret = secret
            row.updated_at = datetime.now(UTC)
            await uow.commit()
        endpoints.invalidate()
        return EndpointOut.of(row, secret=secret)

    @router.delete("/{endpoint_id}", status_code=204)
    async def delete_endpoint(endpoint_id: uuid.UUID) -> Response:
        """Remove the endpoint with its delivery log; nothing more is sent to it."""
        async with runtime.uow() as uow:
            if not await repository.delete_endpoint(uow.session, endpoint_id):
                raise _not_found(ENDPOINT_NOT_FOUND)
            await uow.commit()
        endpoints.invalidate()
        return Response(status_code=204)

    @router.get("/{endpoint_id}/deliveries")
    async def list_deliveries(
        endpoint_id: uuid.UUID,
        status: DeliveryStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> DeliveryPage:
        """The delivery log, newest first, each with every attempt it took."""
        async with runtime.session_factory() as session:
            if await repository.get_endpoint(session, endpoint_id) is None:
                raise _not_found(ENDPOINT_NOT_FOUND)
            rows = await repository.list_deliveries(
                session, endpoint_id, status=status, limit=limit
            )
            attempts = await repository.attempts_of(session, [row.id for row in rows])
        items = [DeliveryOut.of(row, attempts[row.id]) for row in rows]
        return DeliveryPage(items=items, count=len(items))

    @router.post(
        "/deliveries/{delivery_id}/replay",
        status_code=202,
        responses={409: {"description": "The attendee's data was erased: nothing to replay"}},
    )
    async def replay(delivery_id: uuid.UUID) -> DeliveryOut:
        """Send the delivery again now (same ids, a fresh 24 h retry window)."""
        now = datetime.now(UTC)
        async with runtime.uow() as uow:
            row = await repository.get_delivery(uow.session, delivery_id, for_update=True)
            if row is None:
                raise _not_found("Доставка не найдена / delivery not found")
            if not row.body:
                raise HTTPException(
                    status_code=409,
                    detail={
                        "error": "erased",
                        "message": "Данные участника удалены, повтор невозможен "
                        "/ the attendee's data was erased, nothing to replay",
                    },
                )
            row.status = DeliveryStatus.PENDING
            row.next_attempt_at = now
            row.retry_until = now + schedule.give_up_after
            row.claim_token = None
            await uow.commit()
        return DeliveryOut.of(row)

    return router
