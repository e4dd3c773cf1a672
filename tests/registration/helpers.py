"""Builders shared by the registration tests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from forum_registration.handlers import HANDLERS
from forum_shared.contracts import decode_data
from forum_shared.contracts.common import LocalizedText
from forum_shared.contracts.envelope import EventEnvelope
from forum_shared.contracts.schedule import ForumUpdated, SessionChanged, SessionSnapshot
from forum_shared.service import ServiceRuntime

FORUM = "promenergovolga-2026"


def forum_updated(
    code: str = FORUM,
    *,
    version: int = 1,
    capacity: int | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    starts_on: date = date(2099, 11, 23),
    ends_on: date = date(2099, 11, 25),
) -> EventEnvelope:
    data = ForumUpdated(
        code=code,
        title=LocalizedText(ru="ПромЭнергоVolga", en="PromEnergoVolga"),
        venue=LocalizedText(ru="Волгоград Арена", en="Volgograd Arena"),
        timezone="Europe/Volgograd",
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=capacity,
        registration_opens_at=opens_at,
        registration_closes_at=closes_at,
        version=version,
    )
    return EventEnvelope.wrap(data, producer="schedule", forum=code)


def session_changed(
    session_id: uuid.UUID,
    *,
    code: str = FORUM,
    capacity: int | None = None,
    status: str = "published",
    version: int = 1,
) -> EventEnvelope:
    snapshot = SessionSnapshot(
        session_id=session_id,
        title=LocalizedText(ru="Пленарное заседание", en="Plenary"),
        type="plenary",  # type: ignore[arg-type]
        starts_at=datetime.fromisoformat("2099-11-23T10:00:00+03:00"),
        ends_at=datetime.fromisoformat("2099-11-23T12:00:00+03:00"),
        capacity=capacity,
        status=status,  # type: ignore[arg-type]
        version=version,
    )
    data = SessionChanged(release_version=version, kinds=["added"], session=snapshot)  # type: ignore[list-item]
    return EventEnvelope.wrap(data, producer="schedule", forum=code)


def registration_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "full_name": "Иванова Мария Сергеевна",
        "email": "m.ivanova@example.ru",
        "phone": "+7 902 123-45-67",
        "organization": "АО «Волгоградский завод»",
        "position": "Главный инженер",
        "region": "Волгоградская область",
        "category": "delegate",
        "locale": "ru",
        "consents": {"personal_data": True, "news": True},
    }
    body.update(overrides)
    return body


async def deliver(runtime: ServiceRuntime, envelope: EventEnvelope) -> None:
    """Run the handler for an event as the consumer does: handler, then one commit."""
    async with runtime.uow() as uow:
        await HANDLERS[envelope.type](envelope, decode_data(envelope), uow)
        await uow.commit()
