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

    full_name: str = Field(
        max_length=300,
        description="ФИО (required: an empty one is refused with the other fields' problems)",
    )
    email: str = Field(max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    organization: str | None = Field(default=None, max_length=300)
    position: str | None = Field(default=None, max_length=300)
    region: str = Field(
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
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"session_ids": ["0b6f3a52-3d4e-4f8a-9c1b-2a7d5e6f8091"]}]},
    )

    session_ids: list[uuid.UUID] = Field(max_length=100)


class LinkRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"email": "m.ivanova@example.ru"}]}
    )

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
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Издание не зарегистрировано как СМИ"}]},
    )

    reason: str | None = Field(default=None, max_length=1000)


class CheckInRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"code": "PEV1:0b6f3a52-3d4e-4f8a-9c1b-2a7d5e6f8091:q1w2e3r4t5y6u7i8"}]
        },
    )

    code: str = Field(min_length=1, max_length=200, description="What the badge's QR code holds")


class CheckInResult(BaseModel):
    registration_id: uuid.UUID
    full_name: str
    organization: str | None
    category: AttendeeCategory
    checked_in_at: datetime
    first_time: bool = Field(description="False: this badge was already scanned at that time")


class ConfirmedCounts(BaseModel):
    by_category: dict[str, int]
    by_region: dict[str, int]
    by_organization: dict[str, int]
    regions: int = Field(description="How many regions the confirmed attendees come from")
    organizations: int = Field(description="How many organisations they represent")


class Summary(BaseModel):
    """The figures a forum reports: "21 regions, 80 enterprises"."""

    forum: str
    by_status: dict[str, int]
    confirmed: ConfirmedCounts
    checked_in: int
    by_session: dict[str, dict[str, int]] = Field(
        description="Per session id: `confirmed` seats and `waitlisted` sign-ups"
    )


class RegionName(BaseModel):
    ru: str
    en: str


class RegionList(BaseModel):
    subjects: list[RegionName] = Field(description="The 89 subjects of the Russian Federation")
    countries: list[RegionName]
