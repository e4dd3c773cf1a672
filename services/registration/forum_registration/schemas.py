"""The HTTP API's request and response bodies (they feed the OpenAPI document)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from forum_shared.contracts.common import AttendeeCategory, Locale, RegistrationStatus
from pydantic import BaseModel, ConfigDict, Field

from forum_registration.domain import RegistrationForm

_EXAMPLE: dict[str, Any] = {
    "full_name": "Иванова Мария Сергеевна",
    "email": "m.ivanova@example.ru",
    "phone": "+7 902 123-45-67",
    "organization": "АО «Волгоградский завод»",
    "position": "Главный инженер",
    "region": "Волгоградская область",
    "category": "delegate",
    "locale": "ru",
    "session_ids": [],
    "consents": {"personal_data": True, "news": False},
}


class RegistrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    full_name: str = Field(min_length=1, max_length=300, description="ФИО")
    email: str = Field(min_length=3, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    organization: str | None = Field(default=None, max_length=300)
    position: str | None = Field(default=None, max_length=300)
    region: str = Field(
        min_length=1,
        max_length=200,
        description="A subject of the Russian Federation or a country (GET /v1/regions)",
    )
    category: AttendeeCategory
    locale: Locale = Locale.RU
    session_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    consents: dict[str, bool] = Field(
        description="`personal_data` (152-FZ) must be true; others (`news`, `photo`) optional",
        max_length=10,
    )

    def to_form(self) -> RegistrationForm:
        return RegistrationForm(
            full_name=self.full_name,
            email=self.email,
            phone=self.phone,
            organization=self.organization,
            position=self.position,
            region=self.region,
            category=self.category,
            locale=self.locale.value,
            session_ids=tuple(self.session_ids),
            consents=dict(self.consents),
        )


class RegistrationCreated(BaseModel):
    """Shown once: the manage token is not stored and cannot be shown again."""

    id: uuid.UUID
    forum: str
    status: RegistrationStatus
    category: AttendeeCategory
    locale: Locale
    created_at: datetime
    manage_token: str = Field(description="Secret; send as `Authorization: Bearer <token>`")
    manage_url: str


class Problem(BaseModel):
    error: str
    message: str


class FieldProblemBody(BaseModel):
    field: str
    message: str


class ValidationProblem(Problem):
    fields: list[FieldProblemBody]


class ForumInfo(BaseModel):
    code: str
    title: dict[str, str]
    timezone: str
    starts_on: str
    ends_on: str
    registration_open: bool
    capacity: int | None
    places_left: int | None


class AgendaItem(BaseModel):
    session_id: uuid.UUID
    status: str = Field(description="`confirmed` (a seat) or `waitlisted`")


class ConsentView(BaseModel):
    purpose: str
    text_version: str
    given_at: datetime


class RegistrationView(BaseModel):
    id: uuid.UUID
    forum: str
    status: RegistrationStatus
    full_name: str
    email: str
    phone: str | None
    organization: str | None
    position: str | None
    region: str
    category: AttendeeCategory
    locale: Locale
    agenda: list[AgendaItem]
    consents: list[ConsentView]
    version: int
    created_at: datetime
    checked_in_at: datetime | None
    badge_code: str | None = Field(
        description="For confirmed attendees: what the QR code on the badge holds"
    )


class ContactChanges(BaseModel):
    """Only the fields sent change; `phone`, `organization`, `position` may be set to null."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"phone": "+7 902 000-00-00"}]}
    )

    full_name: str | None = Field(default=None, min_length=1, max_length=300)
    email: str | None = Field(default=None, min_length=3, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    organization: str | None = Field(default=None, max_length=300)
    position: str | None = Field(default=None, max_length=300)
    region: str | None = Field(default=None, min_length=1, max_length=200)
    locale: Locale | None = None

    def changes(self) -> dict[str, str | None]:
        sent = self.model_dump(mode="json", exclude_unset=True)
        return {k: (str(v) if v is not None else None) for k, v in sent.items()}


class AgendaRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_ids: list[uuid.UUID] = Field(max_length=100)


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)


class Accepted(BaseModel):
    message: str


class AdminRegistration(BaseModel):
    id: uuid.UUID
    forum_code: str
    status: RegistrationStatus
    full_name: str
    email: str
    phone: str | None
    organization: str | None
    position: str | None
    region: str
    category: AttendeeCategory
    locale: Locale
    created_at: datetime
    checked_in_at: datetime | None


class RegistrationPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AdminRegistration]


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=1000)


class CheckInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=200, description="What the badge's QR code holds")


class CheckInResult(BaseModel):
    registration_id: uuid.UUID
    full_name: str
    organization: str | None
    category: AttendeeCategory
    checked_in_at: datetime
    first_time: bool = Field(description="False: this badge was already scanned at that time")
