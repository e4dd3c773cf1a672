"""The shipped demo programme is complete, conflict-free, and re-imports as a no-op."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from forum_schedule.demo import read_programme
from forum_schedule.domain.conflicts import find_conflicts
from forum_schedule.domain.imports import plan_import
from forum_schedule.domain.releases import plan_release
from forum_shared.contracts.common import SessionType
from forum_shared.contracts.schedule import ChangeKind

DEMO = read_programme()


def test_the_demo_names_what_the_article_names_on_the_right_days() -> None:
    zone = DEMO.forum.to_domain().zone
    by_day: dict[str, set[SessionType]] = {}
    titles = {s.key: s.title.ru for s in DEMO.sessions}
    for item in DEMO.sessions:
        day = item.starts_at.astimezone(zone).date().isoformat()
        by_day.setdefault(day, set()).add(item.type)
        assert item.title.en, item.key
    assert sorted(by_day) == ["2022-11-23", "2022-11-24", "2022-11-25"]
    assert {SessionType.COMMITTEE_MEETING, SessionType.PLENARY, SessionType.SEMINAR} <= by_day[
        "2022-11-23"
    ]
    assert SessionType.CEREMONY in by_day["2022-11-24"]
    for day_types in by_day.values():
        assert {SessionType.EXHIBITION, SessionType.PHOTO_EXHIBITION} <= day_types
    assert "Инженер года" in titles["engineer-of-the-year"]
    assert "Шедевры промышленного искусства" in titles["photo-1"]
    assert DEMO.note is not None
    assert "иллюстративн" in DEMO.note.ru


def test_the_demo_has_no_conflicts_and_releases_every_session() -> None:
    halls = {h.id: h for h in DEMO.halls_domain()}
    speakers = {s.id: s for s in DEMO.speakers_domain()}
    drafts = DEMO.sessions_domain()
    details = DEMO.forum.to_domain()
    assert find_conflicts(details, halls, speakers, drafts) == []
    release = plan_release(
        forum_code=DEMO.code,
        previous=None,
        drafts=drafts,
        halls=halls,
        conflicts=[],
        now=datetime(2022, 11, 1, tzinfo=UTC),
    )
    assert len(release.changes) == len(DEMO.sessions) == 22
    assert {c.kinds for c in release.changes} == {(ChangeKind.ADDED,)}


def test_reimport_is_a_no_op_and_an_edit_or_removal_is_exact() -> None:
    halls = {h.id: h for h in DEMO.halls_domain()}
    speakers = {s.id: s for s in DEMO.speakers_domain()}
    drafts = DEMO.sessions_domain()
    same = plan_import(
        halls=halls,
        speakers=speakers,
        sessions=drafts,
        wanted_halls=DEMO.halls_domain(),
        wanted_speakers=DEMO.speakers_domain(),
        wanted_sessions=DEMO.sessions_domain(),
    )
    assert set(same.counts().values()) == {0}

    wanted = DEMO.sessions_domain()
    edited = replace(wanted[0], plan=replace(wanted[0].plan, track="Новый трек"))
    changed = plan_import(
        halls=halls,
        speakers=speakers,
        sessions=drafts,
        wanted_halls=[],
        wanted_speakers=[],
        wanted_sessions=[edited, *wanted[2:]],
    )
    by_id = {draft.id: (draft, based_on) for draft, based_on in changed.changed_sessions}
    assert set(by_id) == {wanted[0].id, wanted[1].id}
    assert by_id[wanted[0].id][0].plan.track == "Новый трек"
    assert by_id[wanted[0].id][0].version == 2
    assert by_id[wanted[1].id][0].cancelled
