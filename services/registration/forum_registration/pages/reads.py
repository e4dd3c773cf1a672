"""What the pages show, read from the service's own tables (no events, no commits here)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_registration.models import (
    AgendaRow,
    AgendaViewRow,
    ForumDetailsRow,
    RegistrationRow,
    SessionDetailsRow,
    SessionRow,
)
from forum_registration.queries import forum_info
from forum_registration.repository import aware


@dataclass(frozen=True)
class ForumView:
    code: str
    title: dict[str, str]
    timezone: str
    starts_on: date
    ends_on: date
    registration_open: bool
    places_left: int | None
    venue: dict[str, str] | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class SessionChoice:
    id: uuid.UUID
    title: dict[str, str]
    type: str
    track: str | None
    hall: dict[str, str] | None
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    seats_left: int | None
    status: str = "published"

    def snapshot(self) -> dict[str, Any]:
        """What the attendee sees of it, to spot changes on their next visit."""
        return {
            "title": self.title.get("ru", ""),
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "hall": (self.hall or {}).get("ru", ""),
            "hall_names": self.hall or {},
        }


@dataclass
class AgendaLine:
    session: SessionChoice
    seat: str
    changes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


async def load_forum(session: AsyncSession, code: str) -> ForumView:
    info = await forum_info(session, code, now=datetime.now(UTC))  # 404 for an unknown forum
    details = await session.get(ForumDetailsRow, code)
    return ForumView(
        code=info.code,
        title=info.title,
        timezone=info.timezone,
        starts_on=date.fromisoformat(info.starts_on),
        ends_on=date.fromisoformat(info.ends_on),
        registration_open=info.registration_open,
        places_left=info.places_left,
        venue=details.venue if details else None,
        contact_email=details.contact_email if details else None,
        contact_phone=details.contact_phone if details else None,
    )


async def seats_taken(session: AsyncSession, code: str) -> dict[uuid.UUID, int]:
    found = await session.execute(
        select(AgendaRow.session_id, func.count())
        .join(SessionRow, SessionRow.session_id == AgendaRow.session_id)
        .where(SessionRow.forum_code == code, AgendaRow.status == "confirmed")
        .group_by(AgendaRow.session_id)
    )
    return {sid: int(n) for sid, n in found.all()}


async def sessions_of(
    session: AsyncSession, code: str, *, include: set[uuid.UUID] | None = None
) -> list[SessionChoice]:
    """Published sessions of the forum in time order (plus `include`d ones in any status)."""
    found = await session.execute(
        select(SessionRow, SessionDetailsRow)
        .join(SessionDetailsRow, SessionDetailsRow.session_id == SessionRow.session_id)
        .where(SessionRow.forum_code == code)
    )
    taken = await seats_taken(session, code)
    choices = []
    for row, details in found.all():
        if row.status != "published" and row.session_id not in (include or set()):
            continue
        starts_at, ends_at = aware(details.starts_at), aware(details.ends_at)
        assert starts_at is not None and ends_at is not None
        left = None if row.capacity is None else max(row.capacity - taken.get(row.session_id, 0), 0)
        choices.append(
            SessionChoice(
                id=row.session_id,
                title=details.title,
                type=details.type,
                track=details.track,
                hall=details.hall_name,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=row.capacity,
                seats_left=left,
                status=row.status,
            )
        )
    return sorted(choices, key=lambda c: (c.starts_at, c.title.get("ru", "")))


def by_day(choices: list[SessionChoice], zone: Any) -> list[tuple[date, list[SessionChoice]]]:
    days: dict[date, list[SessionChoice]] = {}
    for choice in choices:
        days.setdefault(choice.starts_at.astimezone(zone).date(), []).append(choice)
    return sorted(days.items())


async def agenda_with_changes(
    session: AsyncSession,
    registration_id: uuid.UUID,
    code: str,
    *,
    now: datetime,
    remember: bool,
) -> tuple[list[AgendaLine], list[AgendaLine]]:
    """The agenda, each line marked with what changed since the attendee's last visit, and
    the sessions that dropped out of it since (cancelled). `remember` records this visit."""
    entries = (
        await session.execute(select(AgendaRow).where(AgendaRow.registration_id == registration_id))
    ).scalars()
    seats = {entry.session_id: entry.status for entry in entries}
    view = await session.get(AgendaViewRow, registration_id)
    seen: dict[str, Any] = dict(view.seen) if view else {}
    wanted = set(seats) | {uuid.UUID(sid) for sid in seen}
    known = {c.id: c for c in await sessions_of(session, code, include=wanted)}
    lines = [
        AgendaLine(known[sid], seat, _changes(seen.get(str(sid)), known[sid], seat))
        for sid, seat in seats.items()
        if sid in known
    ]
    lines.sort(key=lambda line: line.session.starts_at)
    dropped = [
        AgendaLine(known[uuid.UUID(sid)], "cancelled", [("change_cancelled", {})])
        for sid in seen
        if uuid.UUID(sid) not in seats
        and uuid.UUID(sid) in known
        and known[uuid.UUID(sid)].status == "cancelled"
    ]
    if remember:
        snapshot = {
            str(line.session.id): {**line.session.snapshot(), "seat": line.seat} for line in lines
        }
        if view is None:
            session.add(AgendaViewRow(registration_id=registration_id, seen=snapshot, seen_at=now))
        else:
            view.seen, view.seen_at = snapshot, now
    return lines, dropped


def _changes(
    before: dict[str, Any] | None, now: SessionChoice, seat: str
) -> list[tuple[str, dict[str, Any]]]:
    if before is None:
        return []  # added since the last visit: the attendee chose it themselves
    found: list[tuple[str, dict[str, Any]]] = []
    current = now.snapshot()
    if before["starts_at"] != current["starts_at"] or before["ends_at"] != current["ends_at"]:
        found.append(("change_time", {"old": before["starts_at"]}))
    if before["hall"] != current["hall"]:
        found.append(("change_hall", {"old": before["hall"], "names": before.get("hall_names")}))
    if before["title"] != current["title"]:
        found.append(("change_title", {}))
    if before.get("seat") != seat:
        found.append(("change_seat" if seat == "confirmed" else "change_seat_lost", {}))
    return found


@dataclass(frozen=True)
class Person:
    """A registration's fields, copied out of the session (templates render after commit)."""

    id: uuid.UUID
    forum_code: str
    full_name: str
    email: str
    phone: str | None
    organization: str | None
    position: str | None
    region: str
    category: str
    status: str
    checked_in_at: datetime | None

    @classmethod
    def of(cls, row: RegistrationRow) -> Person:
        return cls(
            id=row.id,
            forum_code=row.forum_code,
            full_name=row.full_name,
            email=row.email,
            phone=row.phone,
            organization=row.organization,
            position=row.position,
            region=row.region,
            category=row.category,
            status=row.status,
            checked_in_at=aware(row.checked_in_at),
        )
