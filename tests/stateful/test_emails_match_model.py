"""Hypothesis drives the platform at random; the emails sent must equal the model's.

Attendees register (with and without sessions, into a forum and sessions small enough to
have waitlists), cancel through their manage link, register again with the same address,
and change their agendas; the organiser moves sessions in time and between halls, changes
their capacity and speaker, cancels and restores them, and publishes releases. After every
step the platform (`forum dev`: three services in one process, in-process bus, SQLite, a
real SMTP server) is left to settle — counted, not slept: see `platform.py` — and the
multiset of (recipient, template) at the SMTP server must equal the one `model.py` predicts;
every registration's status and seats must match the model too.

Deterministic by default (the same examples in every CI run). Explore more locally with
`FORUM_STATEFUL_EXAMPLES=200 .venv/bin/pytest tests/stateful` (random, not derandomised).

A release that cancels a session some attendee holds races the agenda change the
registration service publishes for it (the session leaves their agenda): the holders must get
their digest whichever reaches the notifications service first (it once did not; with
`FORUM_STATEFUL_POLL_S=0.5`, the service default, the agenda change nearly always wins).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.stateful.driver import FORUM, Driver, session_times
from tests.stateful.model import ForumModel, Plan, Session
from tests.stateful.platform import DevPlatform

SPEAKERS = ["speaker0@speakers.test", "speaker1@speakers.test", "speaker2@speakers.test"]
# Few addresses, so duplicates and re-registrations after a cancellation come up often; one
# is a speaker's, so a person can be both attendee and speaker (still one digest a release).
ADDRESSES = ["anna@attendees.test", "boris@attendees.test", "vera@attendees.test", SPEAKERS[1]]
HALLS = 2
HOURS = [10, 12, 15]
EXPLORE = os.environ.get("FORUM_STATEFUL_EXAMPLES")
POLL_S = float(os.environ.get("FORUM_STATEFUL_POLL_S", "0.05"))


class EmailsMatchTheModel(RuleBasedStateMachine):
    def __init__(self, platform: DevPlatform) -> None:
        super().__init__()
        platform.settle()  # a failed example may have left work behind: start from quiet
        self.forum = Driver(platform)
        self.platform = platform
        self.model = ForumModel(None, SPEAKERS)
        self.halls: list[str] = []
        self.speaker_ids: list[str] = []

    # -- set-up: a forum, two halls, three speakers, three sessions, the first release -----
    @initialize(
        capacity=st.sampled_from([2, 1, 3, None]),
        session_capacities=st.lists(st.sampled_from([1, 2]), min_size=3, max_size=3),
        crowd=st.lists(
            st.tuples(st.sampled_from(ADDRESSES), st.lists(st.integers(0, 2), unique=True)),
            max_size=4,
        ),
    )
    def open_forum(
        self,
        capacity: int | None,
        session_capacities: list[int],
        crowd: list[tuple[str, list[int]]],
    ) -> None:
        """The programme's first release, then the first registrations (so the rules below
        start from a forum that has attendees, seats and waitlists)."""
        self.model.capacity = capacity
        self.forum.admin("PUT", "", {**FORUM, "capacity": capacity}, expect=201)
        for number in range(HALLS):
            hall = {"name": {"ru": f"Зал {number + 1}"}, "capacity": 300}
            self.halls.append(self.forum.admin("POST", "/halls", hall, expect=201)["id"])
        for number, email in enumerate(SPEAKERS):
            speaker = {"full_name": f"Докладчик {number + 1}", "email": email}
            self.speaker_ids.append(
                self.forum.admin("POST", "/speakers", speaker, expect=201)["id"]
            )
        for day, session_capacity in enumerate(session_capacities):
            plan = Plan(hour=HOURS[0], hall=0, speaker=day, capacity=session_capacity)
            created = self.forum.admin("POST", "/sessions", self._body(day, plan), expect=201)
            self.model.sessions.append(Session(created["id"], plan, created["version"]))
        self.release()
        self.platform.settle()  # the sessions' replicas reach registration: they can be chosen
        for email, sessions in crowd:
            self._register(email, sessions)

    def _body(self, day: int, plan: Plan) -> dict[str, Any]:
        return {
            "title": {"ru": f"Сессия дня {day + 1}"},
            "type": "panel",
            **session_times(day, plan.hour),
            "hall_id": self.halls[plan.hall],
            "capacity": plan.capacity,
            "speaker_ids": [] if plan.speaker is None else [self.speaker_ids[plan.speaker]],
        }

    # -- attendees --------------------------------------------------------------------------
    @rule(email=st.sampled_from(ADDRESSES))
    def register_without_sessions(self, email: str) -> None:
        self._register(email, [])

    @precondition(lambda self: self.model.published())
    @rule(email=st.sampled_from(ADDRESSES), data=st.data())
    def register_with_sessions(self, email: str, data: st.DataObject) -> None:
        published = st.sampled_from(self.model.published())
        self._register(email, data.draw(st.lists(published, min_size=1, unique=True)))

    def _register(self, email: str, chosen: list[int]) -> None:
        answer = self.forum.register(email, [self.model.sessions[i].id for i in chosen])
        if self.model.holder_of(email) is not None:
            assert answer.status_code == 409, answer.text
            assert answer.json()["error"] == "duplicate_email"
            return
        assert answer.status_code == 201, answer.text
        created = answer.json()
        status = self.model.register(created["id"], email, created["manage_token"], chosen)
        assert created["status"] == status

    @precondition(lambda self: self.model.attendees)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        """Through the manage link; cancelling a cancelled registration changes nothing."""
        attendee = data.draw(st.sampled_from(self.model.attendees))
        answer = self.forum.attendee("POST", attendee.id, attendee.token, "/cancel")
        assert answer["status"] == "cancelled"
        if attendee.status != "cancelled":
            self.model.cancel(attendee)

    @precondition(lambda self: self.model.active())
    @rule(data=st.data())
    def change_agenda(self, data: st.DataObject) -> None:
        attendee = data.draw(st.sampled_from(self.model.active()))
        published = self.model.published()  # none once every session is cancelled
        wanted = data.draw(st.lists(st.sampled_from(published), unique=True)) if published else []
        ids = [self.model.sessions[i].id for i in wanted]
        self.forum.attendee(
            "PUT", attendee.id, attendee.token, "/agenda", json={"session_ids": ids}
        )
        self.model.set_agenda(attendee, wanted)

    # -- the organiser ------------------------------------------------------------------------
    def _live_drafts(self) -> list[int]:
        return [i for i, s in enumerate(self.model.sessions) if not s.draft.cancelled]

    # Each change may be released at once (`publish`), or left as a draft for a later release
    # that then carries several changes.
    @precondition(lambda self: self._live_drafts())
    @rule(
        data=st.data(),
        change=st.sampled_from(["hour", "hall", "capacity", "speaker"]),
        publish=st.booleans(),
    )
    def edit_session(self, data: st.DataObject, change: str, publish: bool) -> None:
        """Move a session in time or to the other hall, or change its capacity or speaker."""
        index = data.draw(st.sampled_from(self._live_drafts()))
        value: int | None
        body: dict[str, Any]
        if change == "hour":
            hour = data.draw(st.sampled_from(HOURS))
            value, body = hour, session_times(index, hour)
        elif change == "hall":
            value = data.draw(st.integers(0, HALLS - 1))
            body = {"hall_id": self.halls[value]}
        elif change == "capacity":
            value = data.draw(st.integers(1, 3))
            body = {"capacity": value}
        else:
            value = data.draw(st.sampled_from([0, 1, 2, None]))
            body = {"speaker_ids": [] if value is None else [self.speaker_ids[value]]}
        session = self.model.sessions[index]
        path = f"/sessions/{session.id}"
        edited = self.forum.admin("PATCH", path, {"version": session.version, **body})
        session.version = edited["version"]
        self.model.edit(index, **{change: value})
        self._publish_if(publish)

    @precondition(lambda self: self._live_drafts())
    @rule(data=st.data(), publish=st.booleans())
    def cancel_session(self, data: st.DataObject, publish: bool) -> None:
        index = data.draw(st.sampled_from(self._live_drafts()))
        self._transition(index, "cancel", cancelled=True)
        self._publish_if(publish)

    @precondition(lambda self: any(s.draft.cancelled for s in self.model.sessions))
    @rule(data=st.data(), publish=st.booleans())
    def restore_session(self, data: st.DataObject, publish: bool) -> None:
        cancelled = [i for i, s in enumerate(self.model.sessions) if s.draft.cancelled]
        self._transition(data.draw(st.sampled_from(cancelled)), "restore", cancelled=False)
        self._publish_if(publish)

    def _transition(self, index: int, action: str, *, cancelled: bool) -> None:
        session = self.model.sessions[index]
        path = f"/sessions/{session.id}/{action}"
        session.version = self.forum.admin("POST", path, {"version": session.version})["version"]
        self.model.edit(index, cancelled=cancelled)

    def _publish_if(self, publish: bool) -> None:
        if publish:
            self.release()

    @rule()
    def release(self) -> None:
        if not self.model.pending_release():
            self.forum.admin("POST", "/releases", {}, expect=409)
            return
        self.forum.admin("POST", "/releases", {}, expect=201)
        self.model.release()

    # -- what must hold after every step -------------------------------------------------------
    @invariant()
    def emails_sent_equal_the_emails_expected(self) -> None:
        self.platform.settle()
        assert self.platform.bus is not None
        assert not self.platform.bus.dead_letters, self.platform.bus.dead_letters[0].reason
        received, expected = self.forum.mail(), self.model.expected
        assert received == expected, (
            f"missing {dict(expected - received)}, unexpected {dict(received - expected)}"
        )

    @invariant()
    def registrations_match_the_model(self) -> None:
        """Statuses and seats as the model has them (a cancelled registration never changes)."""
        for attendee in self.model.active():
            view = self.forum.attendee("GET", attendee.id, attendee.token)
            seats = {self.model.sessions[i].id: seat.status for i, seat in attendee.agenda.items()}
            assert (view["status"], _seats(view)) == (attendee.status, seats), attendee.email


def _seats(view: dict[str, Any]) -> dict[str, str]:
    return {item["session_id"]: item["status"] for item in view["agenda"]}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevPlatform]:
    var_dir = tmp_path_factory.mktemp("stateful") / "var"
    running = DevPlatform(var_dir, poll_interval_s=POLL_S).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.timeout(600)
def test_the_emails_sent_equal_the_emails_the_model_expects(platform: DevPlatform) -> None:
    class OnThisPlatform(EmailsMatchTheModel):
        def __init__(self) -> None:
            super().__init__(platform)

    run_state_machine_as_test(
        OnThisPlatform,
        settings=settings(
            max_examples=int(EXPLORE or 8),
            stateful_step_count=16,
            deadline=None,
            derandomize=EXPLORE is None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
