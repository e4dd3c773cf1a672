"""Each conflict rule fires on its case and stays quiet on the neighbouring legal case."""

from __future__ import annotations

from forum_schedule.domain.conflicts import ConflictKind, find_conflicts
from forum_schedule.domain.sessions import Session

from tests.schedule.unit.builders import at, forum, hall, session, speaker

MAIN = hall("Главный зал", 500)
SMALL = hall("Малый зал", 80)
IVANOV = speaker("Иванов Иван Иванович")
HALLS = {MAIN.id: MAIN, SMALL.id: SMALL}
SPEAKERS = {IVANOV.id: IVANOV}


def kinds(*sessions: Session) -> list[ConflictKind]:
    return [c.kind for c in find_conflicts(forum(), HALLS, SPEAKERS, list(sessions))]


def test_hall_used_twice_at_once_is_a_conflict() -> None:
    a = session("Пленарное заседание", at(23, 10), at(23, 12), hall_id=MAIN.id)
    b = session("Конференция", at(23, 11), at(23, 13), hall_id=MAIN.id)
    found = find_conflicts(forum(), HALLS, SPEAKERS, [a, b])
    assert [c.kind for c in found] == [ConflictKind.HALL_DOUBLE_BOOKED]
    assert set(found[0].session_ids) == {a.id, b.id}
    assert "Главный зал" in found[0].message.ru


def test_back_to_back_sessions_in_one_hall_do_not_conflict() -> None:
    a = session("Утро", at(23, 10), at(23, 12), hall_id=MAIN.id)
    b = session("День", at(23, 12), at(23, 14), hall_id=MAIN.id)
    assert kinds(a, b) == []


def test_speaker_in_two_places_at_once_is_a_conflict_also_as_moderator() -> None:
    a = session("Панель", at(23, 10), at(23, 12), hall_id=MAIN.id, speaker_ids=(IVANOV.id,))
    b = session("Семинар", at(23, 11), at(23, 12), hall_id=SMALL.id, moderator_ids=(IVANOV.id,))
    found = find_conflicts(forum(), HALLS, SPEAKERS, [a, b])
    assert [c.kind for c in found] == [ConflictKind.SPEAKER_DOUBLE_BOOKED]
    assert found[0].speaker_id == IVANOV.id
    assert "Иванов" in found[0].message.ru


def test_session_outside_forum_dates_in_forum_zone() -> None:
    before = session("Накануне", at(22, 10), at(22, 12))
    late = session("За полночь", at(25, 22), at(26, 1))
    ends_at_midnight = session("До полуночи", at(25, 22), at(26, 0))
    assert kinds(before, late, ends_at_midnight) == [ConflictKind.OUTSIDE_FORUM_DATES] * 2


def test_capacity_above_the_hall_is_a_conflict_but_equal_is_fine() -> None:
    over = session("Круглый стол", at(24, 10), at(24, 12), hall_id=SMALL.id, capacity=81)
    equal = session("Семинар", at(24, 13), at(24, 14), hall_id=SMALL.id, capacity=80)
    assert kinds(over, equal) == [ConflictKind.CAPACITY_ABOVE_HALL]


def test_cancelled_sessions_do_not_conflict() -> None:
    a = session("Пленарное заседание", at(23, 10), at(23, 12), hall_id=MAIN.id)
    b = session("Конференция", at(23, 11), at(23, 13), hall_id=MAIN.id).cancel()
    assert kinds(a, b) == []
