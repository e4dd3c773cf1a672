"""Registration rules in plain Python: no SQLAlchemy, no FastAPI.

Validation returns problem codes per field; the API turns codes into Russian or English text.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from forum_shared.contracts.common import AttendeeCategory, RegistrationStatus

from forum_registration.regions import canonical_region

# Version of each consent text the frontends show; bump when the wording changes.
CONSENT_TEXT_VERSIONS: dict[str, str] = {
    "personal_data": "152-fz-2026-01",
    "news": "news-2026-01",
    "photo": "photo-2026-01",
}
REQUIRED_CONSENTS = ("personal_data",)
APPROVAL_CATEGORIES = frozenset({AttendeeCategory.PRESS, AttendeeCategory.SPEAKER})

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE = re.compile(r"^\+?[\d\s()\-]{5,25}$")


class RegistrationError(Exception):
    """A rule said no; `code` names the reason for the API to explain."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str


class InvalidFormError(RegistrationError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("validation_failed")
        self.problems = problems


@dataclass(frozen=True)
class RegistrationForm:
    """What the attendee typed, before cleaning."""

    full_name: str
    email: str
    region: str
    category: AttendeeCategory
    organization: str | None = None
    position: str | None = None
    phone: str | None = None
    locale: str = "ru"
    session_ids: tuple[uuid.UUID, ...] = ()
    consents: dict[str, bool] = field(default_factory=dict)


def has_control_characters(text: str) -> bool:
    """CR, LF, NUL and every other control or format character (they could reach headers)."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def _clean(value: str | None, name: str, problems: list[FieldProblem]) -> str | None:
    if value is None:
        return None
    if has_control_characters(value):
        problems.append(FieldProblem(name, "control_characters"))
        return value
    return " ".join(value.split()) or None


def email_key(email: str) -> str:
    """The form under which two emails count as the same address."""
    return email.strip().casefold()


def released_email_key(key: str, registration_id: uuid.UUID) -> str:
    """The key a cancelled registration keeps, so that the address may register again."""
    return f"{key}#{registration_id}"


def clean_form(form: RegistrationForm) -> RegistrationForm:
    """A cleaned copy of the form, or `InvalidFormError` listing every bad field."""
    problems: list[FieldProblem] = []
    full_name = _clean(form.full_name, "full_name", problems)
    email = _clean(form.email, "email", problems)
    phone = _clean(form.phone, "phone", problems)
    organization = _clean(form.organization, "organization", problems)
    position = _clean(form.position, "position", problems)
    region_text = _clean(form.region, "region", problems)
    if not full_name:
        problems.append(FieldProblem("full_name", "required"))
    if not email:
        problems.append(FieldProblem("email", "required"))
    problems.extend(_contact_problems(email, phone))
    region = None
    if not region_text:
        problems.append(FieldProblem("region", "required"))
    elif not has_control_characters(region_text):
        region = canonical_region(region_text)
        if region is None:
            problems.append(FieldProblem("region", "unknown_region"))
    problems.extend(_consent_problems(form.consents))
    if len(set(form.session_ids)) != len(form.session_ids):
        problems.append(FieldProblem("session_ids", "duplicate_sessions"))
    if problems:
        raise InvalidFormError(problems)
    assert full_name and email and region
    return RegistrationForm(
        full_name=full_name,
        email=email,
        region=region,
        category=form.category,
        organization=organization,
        position=position,
        phone=phone,
        locale=form.locale,
        session_ids=form.session_ids,
        consents=dict(form.consents),
    )


def _contact_problems(email: str | None, phone: str | None) -> list[FieldProblem]:
    problems = []
    if email and not has_control_characters(email) and not _EMAIL.match(email):
        problems.append(FieldProblem("email", "invalid_email"))
    if phone and not has_control_characters(phone):
        digits = sum(ch.isdigit() for ch in phone)
        if not _PHONE.match(phone) or not 5 <= digits <= 15:
            problems.append(FieldProblem("phone", "invalid_phone"))
    return problems


def _consent_problems(consents: dict[str, bool]) -> list[FieldProblem]:
    problems = [
        FieldProblem(f"consents.{purpose}", "unknown_consent")
        for purpose in consents
        if purpose not in CONSENT_TEXT_VERSIONS
    ]
    problems.extend(
        FieldProblem(f"consents.{purpose}", "consent_required")
        for purpose in REQUIRED_CONSENTS
        if consents.get(purpose) is not True
    )
    return problems


@dataclass(frozen=True)
class ForumTerms:
    """What a forum's replica says about who may register and when."""

    code: str
    timezone: str
    ends_on: date
    capacity: int | None
    opens_at: datetime | None
    closes_at: datetime | None

    def effective_closes_at(self) -> datetime:
        """Registration closes when the forum ends, unless the organiser said otherwise."""
        if self.closes_at is not None:
            return self.closes_at
        end_of_forum = datetime.combine(self.ends_on + timedelta(days=1), time())
        return end_of_forum.replace(tzinfo=ZoneInfo(self.timezone))

    def check_window(self, now: datetime) -> None:
        if self.opens_at is not None and now < self.opens_at:
            raise RegistrationError("registration_not_open", opens_at=self.opens_at)
        if now >= self.effective_closes_at():
            raise RegistrationError("registration_closed", closed_at=self.effective_closes_at())

    def has_room(self, confirmed: int) -> bool:
        return self.capacity is None or confirmed < self.capacity


def initial_status(category: AttendeeCategory, *, room: bool) -> RegistrationStatus:
    """Press and speakers wait for an organiser; the rest get a place or a waitlist spot."""
    if category in APPROVAL_CATEGORIES:
        return RegistrationStatus.PENDING_APPROVAL
    return RegistrationStatus.CONFIRMED if room else RegistrationStatus.WAITLISTED


def seat_status(capacity: int | None, taken: int) -> str:
    """A session seat while one is free (no capacity means no limit), else its waitlist."""
    return "confirmed" if capacity is None or taken < capacity else "waitlisted"


ACTIVE_STATUSES = frozenset(
    {
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.PENDING_APPROVAL,
        RegistrationStatus.WAITLISTED,
    }
)
CONTACT_FIELDS = ("full_name", "email", "phone", "organization", "position", "region", "locale")
REQUIRED_FIELDS = frozenset({"full_name", "email", "region", "locale"})


def ensure_active(status: str) -> None:
    """Only a live registration (confirmed, pending or waitlisted) can change its agenda."""
    if status not in ACTIVE_STATUSES:
        raise RegistrationError("registration_inactive", status=status)


def clean_changes(changes: dict[str, str | None]) -> dict[str, str | None]:
    """Contact changes, cleaned and validated like the form (`InvalidFormError` otherwise)."""
    problems: list[FieldProblem] = []
    cleaned: dict[str, str | None] = {}
    for name, value in changes.items():
        text = _clean(value, name, problems)
        if text is None and name in REQUIRED_FIELDS:
            problems.append(FieldProblem(name, "required"))
        cleaned[name] = text
    problems.extend(_contact_problems(cleaned.get("email"), cleaned.get("phone")))
    region = cleaned.get("region")
    if region and not has_control_characters(region):
        cleaned["region"] = canonical_region(region)
        if cleaned["region"] is None:
            problems.append(FieldProblem("region", "unknown_region"))
    if problems:
        raise InvalidFormError(problems)
    return cleaned
