"""The public programme: by day in the forum's zone, filterable, cancelled sessions marked."""

from __future__ import annotations

from datetime import UTC, date, datetime

from forum_schedule.domain.forum import Forum
from forum_schedule.domain.releases import plan_release
from forum_schedule.schemas.programme import ProgrammeFilter, programme_out
from forum_schedule.use_cases.reads import PublishedProgramme
from forum_shared.contracts.common import SessionType

from tests.schedule.unit.builders import CODE, at, forum, hall, session, speaker

MAIN = hall("Главный зал", 600)
SMALL = hall("Конференц-зал", 120)
LECTURER = speaker("Петров Пётр")


def programme(wanted: ProgrammeFilter | None = None) -> dict[str, object]:
    seminar = session(
        "Семинар",
        at(24, 10),
        at(24, 11),
        hall_id=SMALL.id,
        type=SessionType.SEMINAR,
        track="Право",
    )
    drafts = [
        session(
            "Пленарное заседание",
            at(23, 11),
            at(23, 13),
            hall_id=MAIN.id,
            type=SessionType.PLENARY,
            speaker_ids=(LECTURER.id,),
            track="Политика",
        ),
        # 23:30 in Volgograd on the 23rd is 20:30 UTC: still the 23rd locally.
        session(
            "Вечерний приём",
            at(23, 23, 30),
            at(24, 0, 30),
            hall_id=SMALL.id,
            type=SessionType.CEREMONY,
        ),
    ]
    halls = {MAIN.id: MAIN, SMALL.id: SMALL}
    now = datetime(2022, 11, 20, tzinfo=UTC)
    first = plan_release(
        forum_code=CODE,
        previous=None,
        drafts=[*drafts, seminar],
        halls=halls,
        conflicts=[],
        now=now,
    )
    second = plan_release(
        forum_code=CODE,
        previous=first,
        drafts=[*drafts, seminar.cancel()],
        halls=halls,
        conflicts=[],
        now=now,
    )
    view = PublishedProgramme(Forum(CODE, forum()), second, {LECTURER.id: LECTURER})
    return programme_out(view, wanted or ProgrammeFilter())


def test_days_and_times_are_in_the_forum_zone() -> None:
    days = programme()["days"]
    assert isinstance(days, list)
    assert [d["date"] for d in days] == ["2022-11-23", "2022-11-24"]
    first, evening = days[0]["sessions"]
    assert first["starts_at"] == "2022-11-23T11:00:00+03:00"
    assert evening["starts_at"] == "2022-11-23T23:30:00+03:00"
    assert first["speakers"] == [
        {"id": str(LECTURER.id), "full_name": "Петров Пётр", "organization": None, "position": None}
    ]
    assert first["hall"]["name"]["ru"] == "Главный зал"
    (seminar,) = days[1]["sessions"]
    assert (seminar["status"], seminar["version"]) == ("cancelled", 2)


def test_filters_by_type_hall_track_and_day() -> None:
    def titles(wanted: ProgrammeFilter) -> list[str]:
        days = programme(wanted)["days"]
        assert isinstance(days, list)
        return [s["title"]["ru"] for d in days for s in d["sessions"]]

    assert titles(ProgrammeFilter(type=SessionType.CEREMONY)) == ["Вечерний приём"]
    assert titles(ProgrammeFilter(hall_id=MAIN.id)) == ["Пленарное заседание"]
    assert titles(ProgrammeFilter(track="Политика")) == ["Пленарное заседание"]
    assert titles(ProgrammeFilter(day=date(2022, 11, 24))) == ["Семинар"]
