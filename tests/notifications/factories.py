"""Events and views the notifications tests build, with Cyrillic data by default."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from forum_notifications.domain import AttendeeView, ForumView
from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.common import AttendeeCategory, LocalizedText, RegistrationStatus
from forum_shared.contracts.registration import AttendeeRegistered
from forum_shared.contracts.schedule import ForumUpdated

FORUM = "pev2026"
MAIL_FROM = "ПромЭнергоVolga <noreply@forum.test>"


def forum_updated(*, version: int = 1, title_ru: str = "ПромЭнергоVolga 2026") -> EventEnvelope:
    return EventEnvelope.wrap(
        ForumUpdated(
            code=FORUM,
            title=LocalizedText(ru=title_ru, en="PromEnergoVolga 2026"),
            venue=LocalizedText(ru="ВолгоградЭкспо", en="VolgogradExpo"),
            address=LocalizedText(ru="Волгоград, пр. Ленина, 65", en="65 Lenin Ave, Volgograd"),
            timezone="Europe/Volgograd",
            starts_on=date(2026, 12, 10),
            ends_on=date(2026, 12, 12),
            version=version,
        ),
        producer="schedule",
        forum=FORUM,
    )


def attendee_registered(**overrides: Any) -> EventEnvelope:
    values: dict[str, Any] = {
        "registration_id": uuid.uuid4(),
        "version": 1,
        "full_name": "Иванова Мария Петровна",
        "email": "maria@example.ru",
        "region": "Волгоградская область",
        "category": AttendeeCategory.DELEGATE,
        "locale": "ru",
        "status": RegistrationStatus.CONFIRMED,
        "registered_at": datetime.now(UTC),
    }
    values.update(overrides)
    return EventEnvelope.wrap(AttendeeRegistered(**values), producer="registration", forum=FORUM)


def forum_view() -> ForumView:
    return ForumView(
        code=FORUM,
        title={"ru": "ПромЭнергоVolga 2026", "en": "PromEnergoVolga 2026"},
        venue={"ru": "ВолгоградЭкспо", "en": "VolgogradExpo"},
        address=None,
        timezone="Europe/Volgograd",
        starts_on=date(2026, 12, 10),
        ends_on=date(2026, 12, 12),
        version=1,
    )


def attendee_view(**overrides: Any) -> AttendeeView:
    values: dict[str, Any] = {
        "registration_id": uuid.uuid4(),
        "forum_code": FORUM,
        "full_name": "Иванова Мария Петровна",
        "email": "maria@example.ru",
        "locale": "ru",
        "category": "delegate",
        "status": "confirmed",
    }
    values.update(overrides)
    return AttendeeView(**values)
