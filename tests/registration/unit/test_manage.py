"""The attendee's own link on SQLite: cancel and promote, erase, update, agenda, new link."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from forum_registration import admin, manage
from forum_registration.domain import InvalidFormError, RegistrationError
from forum_registration.models import ConsentRow, RegistrationRow
from forum_registration.schemas import RegistrationRequest
from forum_registration.use_cases import register_attendee
from forum_shared.links import manage_token
from forum_shared.service import ServiceRuntime
from sqlalchemy import select

from tests.registration.helpers import (
    FORUM,
    deliver,
    forum_updated,
    registration_body,
    session_changed,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Attendee:
    def __init__(self, runtime: ServiceRuntime, registration_id: uuid.UUID, status: str) -> None:
        self.runtime = runtime
        self.id = registration_id
        self.status = status

    @property
    def token(self) -> str:
        return manage_token(self.runtime.settings.secret_key, self.id, 1)


def caller(runtime: ServiceRuntime) -> manage.Caller:
    return manage.Caller(runtime.settings.secret_key, NOW)


_arrivals = itertools.count()


async def register(runtime: ServiceRuntime, email: str, **overrides: object) -> Attendee:
    form = RegistrationRequest.model_validate(registration_body(email=email, **overrides))
    # Each arrives a little later than the one before: the waitlist is first come first served.
    arrived = NOW + timedelta(milliseconds=next(_arrivals))
    done = await register_attendee(
        form.to_form(), forum_code=FORUM, uow=runtime.uow(), now=arrived, client_address="10.0.0.1"
    )
    return Attendee(runtime, done.id, done.status)


async def events_of(runtime: ServiceRuntime) -> list[dict[str, Any]]:
    async with runtime.session_factory() as session:
        table = runtime.outbox_table
        rows = await session.execute(select(table.c.body).order_by(table.c.id))
        return [json.loads(body) for body in rows.scalars()]


async def status_of(runtime: ServiceRuntime, registration_id: uuid.UUID) -> RegistrationRow:
    async with runtime.session_factory() as session:
        row = await session.get(RegistrationRow, registration_id)
        assert row is not None
        return row


async def test_cancel_frees_the_place_for_the_first_on_the_waitlist(
    runtime: ServiceRuntime,
) -> None:
    await deliver(runtime, forum_updated(capacity=1))
    first = await register(runtime, "a@example.ru")
    second = await register(runtime, "b@example.ru")
    third = await register(runtime, "c@example.ru")
    assert (first.status, second.status, third.status) == ("confirmed", "waitlisted", "waitlisted")

    await manage.cancel(runtime.uow(), first.id, first.token, caller(runtime))
    # Cancelling again changes nothing.
    await manage.cancel(runtime.uow(), first.id, first.token, caller(runtime))

    assert (await status_of(runtime, first.id)).status == "cancelled"
    assert (await status_of(runtime, second.id)).status == "confirmed"
    assert (await status_of(runtime, third.id)).status == "waitlisted"
    kinds = [(e["type"], e["data"]["registration_id"]) for e in await events_of(runtime)][3:]
    assert kinds == [
        ("registration.attendee.cancelled", str(first.id)),
        ("registration.attendee.promoted", str(second.id)),
    ]


async def test_wrong_token_and_unknown_id_are_the_same_not_found(runtime: ServiceRuntime) -> None:
    await deliver(runtime, forum_updated())
    attendee = await register(runtime, "a@example.ru")
    codes = []
    for registration_id, token in [
        (attendee.id, "forged"),
        (attendee.id, None),
        (uuid.uuid4(), attendee.token),
    ]:
        with pytest.raises(RegistrationError) as caught:
            await manage.cancel(runtime.uow(), registration_id, token, caller(runtime))
        codes.append(caught.value.code)
    assert codes == ["registration_not_found"] * 3
    assert (await status_of(runtime, attendee.id)).status == "confirmed"


async def test_erase_anonymises_keeps_counts_and_revokes_the_link(runtime: ServiceRuntime) -> None:
    await deliver(runtime, forum_updated(capacity=1))
    attendee = await register(runtime, "a@example.ru")
    waiting = await register(runtime, "b@example.ru")

    await manage.cancel(runtime.uow(), attendee.id, attendee.token, caller(runtime), erase=True)

    row = await status_of(runtime, attendee.id)
    assert row.full_name == "—" and "example.ru" not in row.email and row.phone is None
    assert row.region == "Волгоградская область" and row.category == "delegate"
    async with runtime.session_factory() as session:
        consents = (await session.execute(select(ConsentRow))).scalars().all()
    assert consents and all(
        c.client_address is None for c in consents if c.registration_id == row.id
    )
    assert (await status_of(runtime, waiting.id)).status == "confirmed"
    types = [e["type"] for e in await events_of(runtime)]
    assert types[-2:] == ["registration.attendee.erased", "registration.attendee.promoted"]
    erased = (await events_of(runtime))[-2]
    assert "a@example.ru" not in json.dumps(erased)
    with pytest.raises(RegistrationError):
        await manage.cancel(runtime.uow(), attendee.id, attendee.token, caller(runtime))
    # The address is free again for a new registration.
    assert (await register(runtime, "a@example.ru")).status == "waitlisted"


async def test_update_contacts_validates_and_publishes_only_what_changed(
    runtime: ServiceRuntime,
) -> None:
    await deliver(runtime, forum_updated())
    attendee = await register(runtime, "a@example.ru")
    await register(runtime, "b@example.ru")
    with pytest.raises(InvalidFormError):
        await manage.update_contacts(
            runtime.uow(), attendee.id, attendee.token, {"full_name": "X\r\nY"}, caller(runtime)
        )
    with pytest.raises(RegistrationError) as caught:
        await manage.update_contacts(
            runtime.uow(), attendee.id, attendee.token, {"email": "B@example.ru"}, caller(runtime)
        )
    assert caught.value.code == "duplicate_email"

    await manage.update_contacts(
        runtime.uow(),
        attendee.id,
        attendee.token,
        {"position": "Директор", "phone": None, "full_name": "Иванова Мария Сергеевна"},
        caller(runtime),
    )

    row = await status_of(runtime, attendee.id)
    assert (row.position, row.phone, row.version) == ("Директор", None, 2)
    last = (await events_of(runtime))[-1]
    assert last["type"] == "registration.attendee.updated"
    data = last["data"]
    assert data["position"] == "Директор" and data["full_name"] is None and data["version"] == 2


async def test_session_seats_waitlist_and_promotion(runtime: ServiceRuntime) -> None:
    sid = uuid.uuid4()
    await deliver(runtime, forum_updated())
    await deliver(runtime, session_changed(sid, capacity=1))
    first = await register(runtime, "a@example.ru", session_ids=[str(sid)])
    second = await register(runtime, "b@example.ru", session_ids=[str(sid)])
    registered = await events_of(runtime)
    assert [e["data"]["agenda"][0]["status"] for e in registered] == ["confirmed", "waitlisted"]

    await manage.set_agenda(runtime.uow(), first.id, first.token, [], caller(runtime))

    changed = [e for e in await events_of(runtime) if e["type"] == "registration.agenda.changed"]
    assert [(e["data"]["registration_id"], e["data"]["promoted"]) for e in changed] == [
        (str(second.id), [str(sid)]),
        (str(first.id), []),
    ]
    assert changed[0]["data"]["agenda"] == [{"session_id": str(sid), "status": "confirmed"}]


async def test_a_cancelled_session_releases_its_sign_ups(runtime: ServiceRuntime) -> None:
    sid = uuid.uuid4()
    await deliver(runtime, forum_updated())
    await deliver(runtime, session_changed(sid, capacity=10))
    attendee = await register(runtime, "a@example.ru", session_ids=[str(sid)])
    await deliver(runtime, session_changed(sid, capacity=10, status="cancelled", version=2))
    last = (await events_of(runtime))[-1]
    assert last["type"] == "registration.agenda.changed"
    assert last["data"] == {
        "registration_id": str(attendee.id),
        "version": 2,
        "agenda": [],
        "promoted": [],
        "cancelled": [str(sid)],
    }
    with pytest.raises(InvalidFormError):
        await register(runtime, "b@example.ru", session_ids=[str(sid)])


async def test_a_new_link_revokes_the_old_and_unknown_addresses_change_nothing(
    runtime: ServiceRuntime,
) -> None:
    await deliver(runtime, forum_updated())
    attendee = await register(runtime, "a@example.ru")
    await manage.request_link(runtime.uow(), FORUM, "nobody@example.ru", caller(runtime))
    assert len(await events_of(runtime)) == 1

    await manage.request_link(runtime.uow(), FORUM, " A@Example.ru", caller(runtime))

    last = (await events_of(runtime))[-1]
    assert last["type"] == "registration.link.requested"
    assert last["data"]["link_generation"] == 2
    with pytest.raises(RegistrationError):
        async with runtime.uow() as uow:
            await manage.authorised(uow.session, attendee.id, attendee.token, caller(runtime))
    fresh = manage_token(runtime.settings.secret_key, attendee.id, 2)
    async with runtime.uow() as uow:
        assert (await manage.authorised(uow.session, attendee.id, fresh, caller(runtime))).id


async def test_a_forum_that_grows_promotes_its_waitlist(runtime: ServiceRuntime) -> None:
    await deliver(runtime, forum_updated(capacity=1))
    await register(runtime, "a@example.ru")
    waiting = await register(runtime, "b@example.ru")
    await deliver(runtime, forum_updated(capacity=2, version=2))
    assert (await status_of(runtime, waiting.id)).status == "confirmed"


async def test_after_cancelling_the_address_may_register_again(runtime: ServiceRuntime) -> None:
    await deliver(runtime, forum_updated())
    first = await register(runtime, "a@example.ru")
    await manage.cancel(runtime.uow(), first.id, first.token, caller(runtime))

    again = await register(runtime, "A@example.ru")

    assert again.status == "confirmed" and again.id != first.id
    await manage.request_link(runtime.uow(), FORUM, "a@example.ru", caller(runtime))
    last = (await events_of(runtime))[-1]
    assert last["data"]["registration_id"] == str(again.id)
    with pytest.raises(RegistrationError) as caught:
        await register(runtime, "a@example.ru")
    assert caught.value.code == "duplicate_email"


async def test_only_confirmed_attendees_take_session_seats(runtime: ServiceRuntime) -> None:
    """Someone waiting for a place at the forum, or for approval, queues for a session and
    gets the seat once confirmed; meanwhile the seat stays free for confirmed attendees."""
    sid = uuid.uuid4()
    await deliver(runtime, forum_updated(capacity=1))
    await deliver(runtime, session_changed(sid, capacity=5))
    first = await register(runtime, "a@example.ru", session_ids=[str(sid)])
    waiting = await register(runtime, "b@example.ru", session_ids=[str(sid)])
    press = await register(runtime, "p@example.ru", category="press", session_ids=[str(sid)])
    registered = await events_of(runtime)
    assert [e["data"]["agenda"][0]["status"] for e in registered] == [
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]

    await manage.cancel(runtime.uow(), first.id, first.token, caller(runtime))

    after = [(e["type"], e["data"]["registration_id"]) for e in (await events_of(runtime))[3:]]
    assert after == [
        ("registration.attendee.cancelled", str(first.id)),
        ("registration.attendee.promoted", str(waiting.id)),
        ("registration.agenda.changed", str(waiting.id)),
    ]
    seat = (await events_of(runtime))[-1]["data"]
    assert seat["promoted"] == [str(sid)]
    assert seat["agenda"] == [{"session_id": str(sid), "status": "confirmed"}]

    await admin.approve(runtime.uow(), press.id, now=NOW, correlation_id=uuid.uuid4())
    # The forum is full again, so the approved journalist waits for a place, seat included.
    assert (await status_of(runtime, press.id)).status == "waitlisted"
    assert (await events_of(runtime))[-1]["type"] == "registration.attendee.approved"


async def test_approval_hands_a_free_session_seat_to_the_approved(
    runtime: ServiceRuntime,
) -> None:
    sid = uuid.uuid4()
    await deliver(runtime, forum_updated())
    await deliver(runtime, session_changed(sid, capacity=1))
    speaker = await register(runtime, "s@example.ru", category="speaker", session_ids=[str(sid)])
    delegate = await register(runtime, "d@example.ru", session_ids=[str(sid)])
    assert [e["data"]["agenda"][0]["status"] for e in await events_of(runtime)] == [
        "waitlisted",
        "confirmed",  # the seat was free, the speaker was not yet approved
    ]
    await manage.set_agenda(runtime.uow(), delegate.id, delegate.token, [], caller(runtime))

    await admin.approve(runtime.uow(), speaker.id, now=NOW, correlation_id=uuid.uuid4())

    last = (await events_of(runtime))[-1]
    assert (last["type"], last["data"]["registration_id"]) == (
        "registration.agenda.changed",
        str(speaker.id),
    )
    assert last["data"]["agenda"] == [{"session_id": str(sid), "status": "confirmed"}]
