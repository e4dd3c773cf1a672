"""Pure rules: cleaning and validating the form, the window, statuses, regions."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from forum_registration.domain import (
    ForumTerms,
    InvalidFormError,
    RegistrationError,
    RegistrationForm,
    clean_form,
    email_key,
    initial_status,
    seat_status,
)
from forum_registration.regions import canonical_region, subjects
from forum_shared.contracts.common import AttendeeCategory, RegistrationStatus


def form(**overrides: object) -> RegistrationForm:
    values: dict[str, object] = {
        "full_name": "  Иванова   Мария Сергеевна ",
        "email": "M.Ivanova@Example.ru",
        "region": "Волгоградская обл.",
        "category": AttendeeCategory.DELEGATE,
        "consents": {"personal_data": True},
    }
    values.update(overrides)
    return RegistrationForm(**values)  # type: ignore[arg-type]


def problems(bad: RegistrationForm) -> dict[str, str]:
    with pytest.raises(InvalidFormError) as caught:
        clean_form(bad)
    return {p.field: p.code for p in caught.value.problems}


def test_clean_form_trims_and_canonicalises_the_region() -> None:
    cleaned = clean_form(form())
    assert cleaned.full_name == "Иванова Мария Сергеевна"
    assert cleaned.region == "Волгоградская область"
    assert email_key(cleaned.email) == "m.ivanova@example.ru"


@pytest.mark.parametrize("bad", ["Иван\r\nBcc: x@y.ru", "Иван\x00", "Иван\nов", "a\u2028b"])
def test_control_characters_are_refused_in_every_text_field(bad: str) -> None:
    for name in ("full_name", "organization", "position", "region"):
        assert problems(form(**{name: bad})) == {name: "control_characters"}
    assert problems(form(email=f"a{bad}@example.ru"))["email"] == "control_characters"


def test_every_bad_field_is_named_at_once() -> None:
    found = problems(
        form(email="not-an-email", phone="12", region="Марс", consents={"personal_data": False})
    )
    assert found == {
        "email": "invalid_email",
        "phone": "invalid_phone",
        "region": "unknown_region",
        "consents.personal_data": "consent_required",
    }


def test_personal_data_consent_is_required_and_unknown_purposes_refused() -> None:
    assert problems(form(consents={}))["consents.personal_data"] == "consent_required"
    assert problems(form(consents={"personal_data": True, "spam": True})) == {
        "consents.spam": "unknown_consent"
    }
    assert (
        clean_form(form(consents={"personal_data": True, "news": False})).consents["news"] is False
    )


def test_duplicate_sessions_are_refused() -> None:
    sid = uuid.uuid4()
    assert problems(form(session_ids=(sid, sid))) == {"session_ids": "duplicate_sessions"}


def terms(**overrides: object) -> ForumTerms:
    values: dict[str, object] = {
        "code": "f",
        "timezone": "Europe/Volgograd",
        "ends_on": date(2026, 11, 25),
        "capacity": 2,
        "opens_at": None,
        "closes_at": None,
    }
    values.update(overrides)
    return ForumTerms(**values)  # type: ignore[arg-type]


def test_window_defaults_to_the_end_of_the_forum_in_its_time_zone() -> None:
    # 25 Nov ends at midnight Volgograd time (UTC+3), i.e. 21:00 UTC.
    terms().check_window(datetime(2026, 11, 25, 20, 59, tzinfo=UTC))
    with pytest.raises(RegistrationError) as caught:
        terms().check_window(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    assert caught.value.code == "registration_closed"


def test_window_not_open_yet_names_when_it_opens() -> None:
    opens = datetime(2026, 10, 1, tzinfo=UTC)
    with pytest.raises(RegistrationError) as caught:
        terms(opens_at=opens).check_window(datetime(2026, 9, 30, tzinfo=UTC))
    assert caught.value.code == "registration_not_open"
    assert caught.value.details["opens_at"] == opens


def test_statuses() -> None:
    assert initial_status(AttendeeCategory.DELEGATE, room=True) is RegistrationStatus.CONFIRMED
    assert initial_status(AttendeeCategory.GUEST, room=False) is RegistrationStatus.WAITLISTED
    for category in (AttendeeCategory.PRESS, AttendeeCategory.SPEAKER):
        assert initial_status(category, room=True) is RegistrationStatus.PENDING_APPROVAL
    assert terms(capacity=2).has_room(1) and not terms(capacity=2).has_room(2)
    assert terms(capacity=None).has_room(10**6)
    assert seat_status(1, 0) == "confirmed" and seat_status(1, 1) == "waitlisted"
    assert seat_status(None, 500) == "confirmed"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("volgograd oblast", "Волгоградская область"),
        ("Татарстан", "Республика Татарстан"),
        ("г. Москва", "Москва"),
        ("Belarus", "Беларусь"),
        ("Республика Беларусь", "Беларусь"),
        ("Altai Krai", "Алтайский край"),
        ("ХМАО — Югра", "Ханты-Мансийский автономный округ — Югра"),
        ("Якутия", "Республика Саха (Якутия)"),
    ],
)
def test_regions_are_recognised_in_both_languages(typed: str, canonical: str) -> None:
    assert canonical_region(typed) == canonical


def test_the_federation_has_89_subjects_and_russia_alone_is_not_a_region() -> None:
    assert len({r.ru for r in subjects()}) == 89
    assert canonical_region("Россия") is None
    assert canonical_region("Atlantis") is None
