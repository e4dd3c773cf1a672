"""A forum edition: its details, the rules they obey, and the event a change produces."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forum_shared.contracts.common import LocalizedText
from forum_shared.contracts.schedule import ForumUpdated

CODE_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62})[a-z0-9]$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_code(code: str) -> str:
    """A forum code: 3–64 lowercase Latin letters, digits and dashes, no dash at either end."""
    if not CODE_PATTERN.fullmatch(code):
        raise ValueError(
            "код форума — от 3 до 64 строчных латинских букв, цифр и дефисов "
            "(a forum code is 3–64 lowercase letters, digits and dashes)"
        )
    return code


def check_timezone(name: str) -> str:
    """An IANA time zone this machine knows, e.g. `Europe/Volgograd`."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"неизвестный часовой пояс «{name}»; нужен IANA, например Europe/Volgograd "
            f"(unknown time zone)"
        ) from None
    return name


def check_email(value: str) -> str:
    if not EMAIL_PATTERN.fullmatch(value):
        raise ValueError("некорректный адрес электронной почты (invalid email address)")
    return value


@dataclass(frozen=True)
class ForumDetails:
    """What the organiser sets on a forum; validated at the edge, re-checked here."""

    title: LocalizedText
    venue: LocalizedText
    timezone: str
    starts_on: date
    ends_on: date
    address: LocalizedText | None = None
    capacity: int | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    organizer: LocalizedText | None = None
    contact_email: str | None = None
    contact_phone: str | None = None

    def __post_init__(self) -> None:
        check_timezone(self.timezone)
        if self.ends_on < self.starts_on:
            raise ValueError("дата окончания раньше даты начала (ends_on before starts_on)")
        if self.capacity is not None and self.capacity < 1:
            raise ValueError("вместимость должна быть не меньше 1 (capacity must be ≥ 1)")
        opens, closes = self.registration_opens_at, self.registration_closes_at
        if opens is not None and closes is not None and closes <= opens:
            raise ValueError(
                "регистрация закрывается раньше, чем открывается "
                "(registration closes before it opens)"
            )
        if self.contact_email is not None:
            check_email(self.contact_email)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def covers(self, moment: datetime) -> bool:
        """Whether a moment falls on one of the forum's days, in the forum's own zone."""
        local_day = moment.astimezone(self.zone).date()
        return self.starts_on <= local_day <= self.ends_on


@dataclass(frozen=True)
class Forum:
    """A forum edition; `version` grows with every change so consumers keep them in order."""

    code: str
    details: ForumDetails
    version: int = 1

    @classmethod
    def create(cls, code: str, details: ForumDetails) -> Forum:
        return cls(code=check_code(code), details=details, version=1)

    def revise(self, details: ForumDetails) -> Forum:
        return replace(self, details=details, version=self.version + 1)

    def updated_event(self) -> ForumUpdated:
        d = self.details
        return ForumUpdated(
            code=self.code,
            title=d.title,
            venue=d.venue,
            address=d.address,
            timezone=d.timezone,
            starts_on=d.starts_on,
            ends_on=d.ends_on,
            capacity=d.capacity,
            registration_opens_at=d.registration_opens_at,
            registration_closes_at=d.registration_closes_at,
            organizer=d.organizer,
            contact_email=d.contact_email,
            contact_phone=d.contact_phone,
            version=self.version,
        )
