"""Small builders for domain tests: a forum, halls, speakers and sessions in Volgograd time."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

from forum_schedule.domain.catalogue import Hall, Speaker
from forum_schedule.domain.forum import ForumDetails
from forum_schedule.domain.sessions import Session, SessionPlan
from forum_shared.contracts.common import LocalizedText, SessionType

CODE = "promenergovolga-2022"
MSK = timezone(timedelta(hours=3))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2022, 11, day, hour, minute, tzinfo=MSK)


def text(ru: str, en: str = "") -> LocalizedText:
    return LocalizedText(ru=ru, en=en or ru)


def forum() -> ForumDetails:
    return ForumDetails(
        title=text("ПромЭнергоVolga2022", "PromEnergoVolga2022"),
        venue=text("Волгоград Арена", "Volgograd Arena"),
        timezone="Europe/Volgograd",
        starts_on=date(2022, 11, 23),
        ends_on=date(2022, 11, 25),
    )


def hall(name: str, capacity: int = 300) -> Hall:
    return Hall(forum_code=CODE, name=text(name), capacity=capacity)


def speaker(full_name: str) -> Speaker:
    return Speaker(forum_code=CODE, full_name=full_name)


def session(
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    *,
    hall_id: uuid.UUID | None = None,
    **values: Any,
) -> Session:
    plan = SessionPlan(
        title=text(title),
        type=values.pop("type", SessionType.CONFERENCE),
        starts_at=starts_at,
        ends_at=ends_at,
        hall_id=hall_id,
        **values,
    )
    return Session(forum_code=CODE, plan=plan)
