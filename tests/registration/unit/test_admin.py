"""Organiser actions and reports on SQLite: approve, reject, badges and check-in, CSV, summary."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from forum_registration import admin, reports
from forum_registration.badges import badge_code, read_badge
from forum_registration.domain import RegistrationError
from forum_registration.schemas import RegistrationRequest
from forum_registration.use_cases import register_attendee
from forum_shared.service import ServiceRuntime

from tests.registration.helpers import FORUM, deliver, forum_updated, registration_body

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SECRET = "test-secret-key-0123456789abcdef0123456789"
_arrivals = itertools.count()


async def register(runtime: ServiceRuntime, email: str, **overrides: object) -> uuid.UUID:
    form = RegistrationRequest.model_validate(registration_body(email=email, **overrides))
    done = await register_attendee(
        form.to_form(),
        forum_code=FORUM,
        uow=runtime.uow(),
        now=NOW + timedelta(milliseconds=next(_arrivals)),
        client_address=None,
    )
    return done.id


def test_badges_verify_and_refuse_forgeries() -> None:
    rid = uuid.uuid4()
    code = badge_code(SECRET, rid)
    assert read_badge(SECRET, code) == rid
    assert read_badge("another-secret", code) is None
    other = badge_code(SECRET, uuid.uuid4())
    assert read_badge(SECRET, other[:42] + code[42:]) is None  # another id, this signature
    assert read_badge(SECRET, "garbage") is None
    assert read_badge(SECRET, "PEV1:not-a-uuid:x") is None


def test_badge_format_is_the_one_the_confirmation_email_draws() -> None:
    # Pinned: notifications renders `PEV1:<id>:<96-bit HMAC>` into the QR code.
    rid = uuid.UUID("0b6f3a52-3d4e-4f8a-9c1b-2a7d5e6f8091")
    assert badge_code("k", rid).startswith(f"PEV1:{rid}:")
    assert len(badge_code("k", rid).rsplit(":", 1)[1]) == 16


async def test_approval_gives_a_place_or_the_waitlist(runtime: ServiceRuntime) -> None:
    await deliver(runtime, forum_updated(capacity=1))
    press = await register(runtime, "press@example.ru", category="press")
    speaker = await register(runtime, "speaker@example.ru", category="speaker")
    corr = uuid.uuid4()
    assert (await admin.approve(runtime.uow(), press, now=NOW, correlation_id=corr)).status == (
        "confirmed"
    )
    second = await admin.approve(runtime.uow(), speaker, now=NOW, correlation_id=corr)
    assert second.status == "waitlisted"
    with pytest.raises(RegistrationError) as caught:
        await admin.approve(runtime.uow(), press, now=NOW, correlation_id=corr)
    assert caught.value.code == "not_pending"
    # Rejecting the confirmed one passes the place on.
    await admin.reject(runtime.uow(), press, "нет аккредитации", now=NOW, correlation_id=corr)
    async with runtime.uow() as uow:
        total, rows = await reports.list_registrations(
            uow.session, FORUM, reports.Filters(status="confirmed"), limit=10, offset=0
        )
        assert total == 1 and rows[0].id == speaker


async def test_check_in_once_then_answers_when(runtime: ServiceRuntime) -> None:
    await deliver(runtime, forum_updated())
    rid = await register(runtime, "a@example.ru")
    pending = await register(runtime, "p@example.ru", category="press")
    corr = uuid.uuid4()

    async def scan(code: str, at: datetime) -> admin.CheckIn:
        return await admin.check_in(
            runtime.uow(), FORUM, code, secret_key=SECRET, now=at, correlation_id=corr
        )

    first = await scan(badge_code(SECRET, rid), NOW)
    again = await scan(badge_code(SECRET, rid), NOW + timedelta(hours=1))
    assert first.first_time and not again.first_time
    assert again.checked_in_at.replace(tzinfo=UTC) == NOW
    for code, reason in [
        (badge_code("forged", rid), "badge_invalid"),
        (badge_code(SECRET, pending), "badge_not_valid"),
    ]:
        with pytest.raises(RegistrationError) as caught:
            await scan(code, NOW)
        assert caught.value.code == reason


async def test_lists_filters_csv_and_summary(runtime: ServiceRuntime) -> None:
    await deliver(runtime, forum_updated())
    await register(runtime, "a@example.ru", organization="=HYPERLINK(1)")
    await register(runtime, "b@example.ru", region="Belarus", organization="ОАО «Гомель»")
    await register(runtime, "c@example.ru", region="Татарстан", category="exhibitor")
    async with runtime.uow() as uow:
        total, rows = await reports.list_registrations(
            uow.session, FORUM, reports.Filters(region="Беларусь"), limit=10, offset=0
        )
        assert total == 1 and rows[0].email == "b@example.ru"
        total, rows = await reports.list_registrations(
            uow.session, FORUM, reports.Filters(q="C@EXAMPLE"), limit=10, offset=0
        )
        assert [r.email for r in rows] == ["c@example.ru"]
        total, page = await reports.list_registrations(
            uow.session, FORUM, reports.Filters(), limit=2, offset=2
        )
        assert total == 3 and len(page) == 1
        exported = reports.to_csv(
            await reports.all_registrations(uow.session, FORUM, reports.Filters())
        )
        summary = await reports.summary(uow.session, FORUM)
    assert exported.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(exported.decode("utf-8-sig")), delimiter=";"))
    assert table[0][2] == "ФИО" and len(table) == 4
    assert table[1][5] == "'=HYPERLINK(1)"
    assert summary["confirmed"]["regions"] == 3
    assert summary["confirmed"]["by_category"] == {"delegate": 2, "exhibitor": 1}
    assert summary["by_status"] == {"confirmed": 3}
