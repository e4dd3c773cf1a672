"""Conflicts a draft programme may hold and a release must not (unless forced with a reason)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from forum_shared.contracts.common import LocalizedText

from forum_schedule.domain.catalogue import Hall, Speaker
from forum_schedule.domain.forum import ForumDetails
from forum_schedule.domain.sessions import Session


class ConflictKind(StrEnum):
    HALL_DOUBLE_BOOKED = "hall_double_booked"
    SPEAKER_DOUBLE_BOOKED = "speaker_double_booked"
    OUTSIDE_FORUM_DATES = "outside_forum_dates"
    CAPACITY_ABOVE_HALL = "capacity_above_hall"


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    session_ids: tuple[uuid.UUID, ...]
    message: LocalizedText
    hall_id: uuid.UUID | None = None
    speaker_id: uuid.UUID | None = None


def conflict_out(conflict: Conflict) -> dict[str, Any]:
    """A conflict as JSON, for answers that list them."""
    return {
        "kind": conflict.kind.value,
        "session_ids": [str(session_id) for session_id in conflict.session_ids],
        "hall_id": str(conflict.hall_id) if conflict.hall_id else None,
        "speaker_id": str(conflict.speaker_id) if conflict.speaker_id else None,
        "message": conflict.message.model_dump(),
    }


def find_conflicts(
    forum: ForumDetails,
    halls: Mapping[uuid.UUID, Hall],
    speakers: Mapping[uuid.UUID, Speaker],
    sessions: Sequence[Session],
) -> list[Conflict]:
    """Every conflict among the sessions that still take place (cancelled ones are ignored)."""
    live = sorted((s for s in sessions if not s.cancelled), key=lambda s: s.plan.starts_at)
    found = [*_outside_dates(forum, live), *_over_capacity(halls, live)]
    for first, second in itertools.combinations(live, 2):
        if first.plan.overlaps(second.plan):
            found.extend(_double_bookings(halls, speakers, first, second))
    return found


def _title(session: Session) -> str:
    return f"«{session.plan.title.ru}»"


def _outside_dates(forum: ForumDetails, sessions: Sequence[Session]) -> Iterator[Conflict]:
    for session in sessions:
        last_moment = session.plan.ends_at - timedelta(microseconds=1)
        if forum.covers(session.plan.starts_at) and forum.covers(last_moment):
            continue
        yield Conflict(
            ConflictKind.OUTSIDE_FORUM_DATES,
            (session.id,),
            LocalizedText(
                ru=f"Сессия {_title(session)} выходит за даты форума "
                f"({forum.starts_on:%d.%m.%Y}–{forum.ends_on:%d.%m.%Y})",
                en=f"Session '{session.plan.title.in_locale('en')}' falls outside the forum "
                f"dates ({forum.starts_on}–{forum.ends_on})",
            ),
        )


def _over_capacity(
    halls: Mapping[uuid.UUID, Hall], sessions: Sequence[Session]
) -> Iterator[Conflict]:
    for session in sessions:
        hall = halls.get(session.plan.hall_id) if session.plan.hall_id else None
        capacity = session.plan.capacity
        if hall is None or capacity is None or capacity <= hall.capacity:
            continue
        yield Conflict(
            ConflictKind.CAPACITY_ABOVE_HALL,
            (session.id,),
            LocalizedText(
                ru=f"Вместимость сессии {_title(session)} ({capacity}) больше вместимости "
                f"зала «{hall.name.ru}» ({hall.capacity})",
                en=f"Session '{session.plan.title.in_locale('en')}' capacity {capacity} exceeds "
                f"hall '{hall.name.in_locale('en')}' capacity {hall.capacity}",
            ),
            hall_id=hall.id,
        )


def _double_bookings(
    halls: Mapping[uuid.UUID, Hall],
    speakers: Mapping[uuid.UUID, Speaker],
    first: Session,
    second: Session,
) -> Iterator[Conflict]:
    pair = (first.id, second.id)
    titles_ru = f"{_title(first)} и {_title(second)}"
    titles_en = f"'{first.plan.title.in_locale('en')}' and '{second.plan.title.in_locale('en')}'"
    hall_id = first.plan.hall_id
    if hall_id is not None and hall_id == second.plan.hall_id:
        hall = halls.get(hall_id)
        name = hall.name if hall else LocalizedText(ru=str(hall_id), en=str(hall_id))
        yield Conflict(
            ConflictKind.HALL_DOUBLE_BOOKED,
            pair,
            LocalizedText(
                ru=f"Зал «{name.ru}» занят одновременно: {titles_ru}",
                en=f"Hall '{name.in_locale('en')}' is double-booked: {titles_en}",
            ),
            hall_id=hall_id,
        )
    for person_id in sorted(first.plan.people() & second.plan.people()):
        speaker = speakers.get(person_id)
        who = speaker.full_name if speaker else str(person_id)
        yield Conflict(
            ConflictKind.SPEAKER_DOUBLE_BOOKED,
            pair,
            LocalizedText(
                ru=f"{who} участвует одновременно в двух сессиях: {titles_ru}",
                en=f"{who} is in two sessions at once: {titles_en}",
            ),
            speaker_id=person_id,
        )
