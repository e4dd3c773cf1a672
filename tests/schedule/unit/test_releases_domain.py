"""The changelog of a release is exact: kinds, old → new values, per-session versions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from forum_schedule.domain.conflicts import find_conflicts
from forum_schedule.domain.errors import ConflictError, InvalidError
from forum_schedule.domain.releases import Release, plan_release
from forum_schedule.domain.sessions import Session
from forum_shared.contracts.schedule import ChangeKind, SessionStatus

from tests.schedule.unit.builders import CODE, at, forum, hall, session, speaker

MAIN = hall("Главный зал", 500)
SMALL = hall("Конференц-зал", 120)
HALLS = {MAIN.id: MAIN, SMALL.id: SMALL}
NOW = datetime(2022, 11, 20, 12, tzinfo=UTC)


def release(drafts: list[Session], previous: Release | None = None, **options: object) -> Release:
    conflicts = find_conflicts(forum(), HALLS, {}, drafts)
    return plan_release(
        forum_code=CODE,
        previous=previous,
        drafts=drafts,
        halls=HALLS,
        conflicts=conflicts,
        now=NOW,
        **options,  # type: ignore[arg-type]
    )


def test_first_release_adds_every_live_session_but_not_one_cancelled_before_release() -> None:
    plenary = session("Пленарное заседание", at(23, 11), at(23, 13), hall_id=MAIN.id)
    dropped = session("Черновик", at(23, 14), at(23, 15), hall_id=SMALL.id).cancel()
    first = release([plenary, dropped])
    assert first.version == 1
    assert [(c.session_id, c.kinds) for c in first.changes] == [(plenary.id, (ChangeKind.ADDED,))]
    snap = first.sessions[0]
    assert (snap.version, snap.capacity, snap.hall_name) == (1, 500, MAIN.name)
    assert [s.session_id for s in first.sessions] == [plenary.id]


def test_moved_in_time_and_hall_cancelled_and_added_are_exactly_right() -> None:
    lecturer = speaker("Петров Пётр")
    moved = session("Импортозамещение", at(23, 14), at(23, 16), hall_id=MAIN.id)
    cancelled = session("Семинар по ИС", at(23, 14), at(23, 15), hall_id=SMALL.id)
    untouched = session("Пленарное заседание", at(23, 11), at(23, 13), hall_id=MAIN.id)
    first = release([moved, cancelled, untouched])

    moved2 = moved.edit({"starts_at": at(24, 10), "ends_at": at(24, 12), "hall_id": SMALL.id})
    added = session(
        "Инженер года", at(24, 17), at(24, 18), hall_id=MAIN.id, speaker_ids=(lecturer.id,)
    )
    second = release([moved2, cancelled.cancel(), untouched, added], first)

    by_id = {c.session_id: c for c in second.changes}
    assert set(by_id) == {moved.id, cancelled.id, added.id}
    change = by_id[moved.id]
    # The session has no capacity of its own: it follows the hall's, so that changed too.
    assert change.kinds == (ChangeKind.RESCHEDULED, ChangeKind.MOVED, ChangeKind.CAPACITY_CHANGED)
    assert change.old == {
        "starts_at": "2022-11-23T11:00:00Z",
        "ends_at": "2022-11-23T13:00:00Z",
        "hall_id": str(MAIN.id),
        "hall_name": {"ru": "Главный зал", "en": "Главный зал"},
        "capacity": 500,
    }
    assert change.new == {
        "starts_at": "2022-11-24T07:00:00Z",
        "ends_at": "2022-11-24T09:00:00Z",
        "hall_id": str(SMALL.id),
        "hall_name": {"ru": "Конференц-зал", "en": "Конференц-зал"},
        "capacity": 120,
    }
    assert change.previous is not None
    assert (change.previous.version, change.session.version) == (1, 2)
    gone = by_id[cancelled.id]
    assert gone.kinds == (ChangeKind.CANCELLED,)
    assert (gone.old, gone.new) == ({"status": "published"}, {"status": "cancelled"})
    assert gone.session.status == SessionStatus.CANCELLED
    assert by_id[added.id].kinds == (ChangeKind.ADDED,)
    assert by_id[added.id].previous is None
    kept = {s.session_id: s for s in second.sessions}
    assert kept[untouched.id].version == 1
    assert kept[cancelled.id].status == SessionStatus.CANCELLED


def test_events_carry_the_changelog() -> None:
    plenary = session("Пленарное заседание", at(23, 11), at(23, 13), hall_id=MAIN.id)
    first = release([plenary])
    second = release(
        [
            plenary.edit(
                {
                    "title": plenary.plan.title.model_copy(
                        update={"ru": "Промышленность в новых условиях"}
                    )
                }
            )
        ],
        first,
    )
    published = second.published_event()
    assert published.release_version == 2
    assert [(c.session_id, c.kinds) for c in published.changes] == [
        (plenary.id, [ChangeKind.RETITLED])
    ]
    (event,) = second.session_events()
    assert event.previous is not None
    assert (event.previous.title.ru, event.session.title.ru) == (
        "Пленарное заседание",
        "Промышленность в новых условиях",
    )


def test_nothing_changed_is_refused() -> None:
    plenary = session("Пленарное заседание", at(23, 11), at(23, 13), hall_id=MAIN.id)
    first = release([plenary])
    with pytest.raises(ConflictError) as refused:
        release([plenary], first)
    assert "Нет изменений" in refused.value.ru


def test_conflicts_block_a_release_unless_forced_with_a_reason() -> None:
    a = session("A", at(23, 11), at(23, 13), hall_id=MAIN.id)
    b = session("B", at(23, 12), at(23, 14), hall_id=MAIN.id)
    with pytest.raises(ConflictError) as refused:
        release([a, b])
    assert refused.value.details["conflicts"][0]["kind"] == "hall_double_booked"
    with pytest.raises(InvalidError):
        release([a, b], force=True, reason="  ")
    forced = release([a, b], force=True, reason="Зал делится перегородкой")
    assert forced.forced_reason == "Зал делится перегородкой"


def test_a_restored_session_is_added_again_with_its_status_change() -> None:
    seminar = session("Семинар по ИС", at(23, 14), at(23, 15), hall_id=SMALL.id)
    first = release([seminar])
    cancelled = seminar.cancel()
    second = release([cancelled], first)
    third = release([cancelled.restore()], second)
    (change,) = third.changes
    assert change.kinds == (ChangeKind.ADDED,)
    assert (change.old, change.new) == ({"status": "cancelled"}, {"status": "published"})
    assert change.session.version == 3
