"""What the platform should mail, worked out without it: the model of the stateful test.

It mirrors the documented rules, not the code paths:
- registration (DESIGN §1, `forum_registration.use_cases/seats/agenda`): a delegate gets a
  place while the forum has room, else the forum's waitlist; a confirmed attendee gets a seat
  in each chosen session while it has one, else its waitlist; a waitlisted attendee only
  queues. A freed place goes to the first on the forum's waitlist (`promoted`), who then
  takes free seats in their sessions; a freed seat goes to the first attendee *with a place*
  on that session's waitlist (`session_promoted`). A cancelled registration frees its
  address (the person may register again) and its seats; a live address is `duplicate_email`.
- notifications (`forum_notifications.domain/lifecycle/digest`): `confirmation` or
  `waitlisted` on registering, `cancelled`, `promoted`, `session_promoted`; a release mails
  one `schedule_digest` per address to every active attendee with a changed session in their
  agenda and to the session's speakers before and after, when the change is one a person can
  act on (added, cancelled, restored, time, hall, speakers — not capacity alone).
- releases (`forum_schedule.domain.releases`): a session is in a release when its draft
  differs from what was released; a cancelled session leaves every agenda, a published one
  hands its free seats to its waitlist.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field, replace

FORUM_ACTIVE = ("confirmed", "waitlisted")  # no category in this test waits for approval


@dataclass(frozen=True)
class Plan:
    """A session as the organiser plans it; every other field stays as created."""

    hour: int
    hall: int
    speaker: int | None
    capacity: int
    cancelled: bool = False

    def mailed_change(self, previous: Plan | None) -> bool:
        """Whether releasing this over `previous` is news a person can act on (digest rules)."""
        if previous is None:
            return not self.cancelled  # added
        if self.cancelled:
            return not previous.cancelled  # cancelled (a change to a cancelled one is silent)
        return (
            previous.cancelled  # restored
            or (previous.hour, previous.hall, previous.speaker)
            != (self.hour, self.hall, self.speaker)
        )


@dataclass
class Session:
    id: str
    draft: Plan
    version: int  # the draft's version, for the schedule's optimistic concurrency
    released: Plan | None = None

    @property
    def published(self) -> bool:
        return self.released is not None and not self.released.cancelled

    def released_capacity(self) -> int:
        assert self.released is not None, "only released sessions can be chosen"
        return self.released.capacity


@dataclass
class Seat:
    status: str  # "confirmed" (a seat) or "waitlisted"
    order: int  # when it was asked for: the session's waitlist is first come, first served


@dataclass
class Attendee:
    id: str
    email: str
    token: str
    status: str
    order: int
    agenda: dict[int, Seat] = field(default_factory=dict)

    def __repr__(self) -> str:  # what a falsifying example shows for a drawn attendee
        seats = {index: seat.status for index, seat in self.agenda.items()}
        return f"<{self.email} {self.status} {seats}>"


class ForumModel:
    def __init__(self, capacity: int | None, speakers: list[str]) -> None:
        self.capacity = capacity
        self.speakers = speakers
        self.sessions: list[Session] = []
        self.attendees: list[Attendee] = []
        self.expected: Counter[tuple[str, str]] = Counter()
        self._clock = itertools.count()

    # -- queries ---------------------------------------------------------------------------
    def active(self) -> list[Attendee]:
        return [a for a in self.attendees if a.status in FORUM_ACTIVE]

    def holder_of(self, email: str) -> Attendee | None:
        key = email.casefold()
        return next((a for a in self.active() if a.email.casefold() == key), None)

    def published(self) -> list[int]:
        return [i for i, s in enumerate(self.sessions) if s.published]

    def _confirmed(self) -> int:
        return sum(a.status == "confirmed" for a in self.attendees)

    def _has_room(self) -> bool:
        return self.capacity is None or self._confirmed() < self.capacity

    def _seats_taken(self, index: int) -> int:
        return sum(
            a.agenda[index].status == "confirmed" for a in self.attendees if index in a.agenda
        )

    def _mail(self, email: str, template: str) -> None:
        self.expected[(email, template)] += 1

    # -- attendees' actions ----------------------------------------------------------------
    def register(self, attendee_id: str, email: str, token: str, sessions: list[int]) -> str:
        """A new registration; returns the status the platform must answer."""
        status = "confirmed" if self._has_room() else "waitlisted"
        attendee = Attendee(attendee_id, email, token, status, next(self._clock))
        self.attendees.append(attendee)
        self._sign_up(attendee, sessions)
        self._mail(email, "confirmation" if status == "confirmed" else "waitlisted")
        return status

    def cancel(self, attendee: Attendee) -> None:
        was_confirmed = attendee.status == "confirmed"
        attendee.status = "cancelled"
        self._mail(attendee.email, "cancelled")
        self._release_seats(attendee, list(attendee.agenda))
        if was_confirmed:
            self._fill_forum()

    def set_agenda(self, attendee: Attendee, wanted: list[int]) -> None:
        removed = [i for i in attendee.agenda if i not in wanted]
        added = [i for i in wanted if i not in attendee.agenda]
        self._release_seats(attendee, removed)
        self._sign_up(attendee, added)

    # -- the organiser's release -----------------------------------------------------------
    def pending_release(self) -> bool:
        return any(s.draft != s.released for s in self.sessions)

    def release(self) -> None:
        """Digests first (from the agendas as they were), then the agendas follow the release."""
        changed = [i for i, s in enumerate(self.sessions) if s.draft != s.released]
        mailed = [i for i in changed if self._mailed(self.sessions[i])]
        recipients: set[str] = set()
        for index in mailed:
            session = self.sessions[index]
            recipients.update(a.email.casefold() for a in self.active() if index in a.agenda)
            for plan in (session.released, session.draft):
                if plan is not None and plan.speaker is not None:
                    recipients.add(self.speakers[plan.speaker].casefold())
        for key in sorted(recipients):
            holder = self.holder_of(key)
            self._mail(holder.email if holder else key, "schedule_digest")
        for index in changed:
            session = self.sessions[index]
            session.released = session.draft
            if session.draft.cancelled:
                for attendee in self.attendees:
                    attendee.agenda.pop(index, None)
            else:
                self._fill_session(index)

    @staticmethod
    def _mailed(session: Session) -> bool:
        return session.draft.mailed_change(session.released)

    def edit(self, index: int, **changes: object) -> None:
        session = self.sessions[index]
        session.draft = replace(session.draft, **changes)  # type: ignore[arg-type]

    # -- seats and places ------------------------------------------------------------------
    def _sign_up(self, attendee: Attendee, sessions: list[int]) -> None:
        order = next(self._clock)
        for index in sessions:
            free = self._seats_taken(index) < self.sessions[index].released_capacity()
            seated = attendee.status == "confirmed" and free
            attendee.agenda[index] = Seat("confirmed" if seated else "waitlisted", order)

    def _release_seats(self, attendee: Attendee, sessions: list[int]) -> None:
        freed = [i for i in sessions if attendee.agenda[i].status == "confirmed"]
        for index in sessions:
            del attendee.agenda[index]
        for index in freed:
            self._fill_session(index)

    def _fill_session(self, index: int) -> None:
        capacity = self.sessions[index].released_capacity()
        while self._seats_taken(index) < capacity:
            waiting = [
                a
                for a in self.attendees
                if a.status == "confirmed"
                and index in a.agenda
                and a.agenda[index].status == "waitlisted"
            ]
            if not waiting:
                return
            first = min(waiting, key=lambda a: a.agenda[index].order)
            first.agenda[index].status = "confirmed"
            self._mail(first.email, "session_promoted")

    def _fill_forum(self) -> None:
        while self._has_room():
            waiting = [a for a in self.attendees if a.status == "waitlisted"]
            if not waiting:
                return
            first = min(waiting, key=lambda a: a.order)
            first.status = "confirmed"
            self._mail(first.email, "promoted")
            for index in sorted(first.agenda):
                self._fill_session(index)
