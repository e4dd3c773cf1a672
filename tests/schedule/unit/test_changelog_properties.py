"""Properties of the changelog over random edit histories: it is exact and it is complete.

For every release: a session is listed iff its snapshot differs from the previous release; the
`old`/`new` values name exactly the fields that differ, with the right values; applying `new`
to the previous snapshot gives the new one; versions rise by one per listed change only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from forum_schedule.domain.errors import NothingToReleaseError
from forum_schedule.domain.releases import Release, plan_release, snapshot
from forum_schedule.domain.sessions import Session
from forum_shared.contracts.common import LocalizedText
from forum_shared.contracts.schedule import SessionSnapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.schedule.unit.builders import CODE, at, hall, session, speaker

HALLS = [hall("Главный зал", 600), hall("Конференц-зал", 120)]
PEOPLE = [speaker("Иванов Иван"), speaker("Петров Пётр")]
NOW = datetime(2022, 11, 20, tzinfo=UTC)

edits = st.one_of(
    st.tuples(st.just("shift"), st.integers(-3, 3).filter(bool)),
    st.tuples(st.just("hall"), st.sampled_from([h.id for h in HALLS])),
    st.tuples(st.just("title"), st.sampled_from(["Панель", "Круглый стол", "Семинар"])),
    st.tuples(st.just("speakers"), st.sets(st.sampled_from([p.id for p in PEOPLE]))),
    st.tuples(st.just("capacity"), st.sampled_from([None, 50, 100])),
    st.tuples(st.just("track"), st.sampled_from([None, "ТЭК", "Кадры"])),
    st.tuples(st.just("cancel"), st.none()),
    st.tuples(st.just("restore"), st.none()),
)
# A history: rounds of (session index, edit) pairs, each round followed by a release attempt.
histories = st.lists(st.lists(st.tuples(st.integers(0, 2), edits), max_size=4), max_size=5)


def apply(draft: Session, kind: str, value: Any) -> Session:
    plan = draft.plan
    if kind == "cancel":
        return draft.cancel() if not draft.cancelled else draft
    if kind == "restore":
        return draft.restore() if draft.cancelled else draft
    if draft.cancelled:
        return draft
    changes: dict[str, Any] = {
        "shift": lambda: {
            "starts_at": plan.starts_at + timedelta(hours=value),
            "ends_at": plan.ends_at + timedelta(hours=value),
        },
        "hall": lambda: {"hall_id": value},
        "title": lambda: {"title": LocalizedText(ru=value, en=value)},
        "speakers": lambda: {"speaker_ids": tuple(sorted(value))},
        "capacity": lambda: {"capacity": value},
        "track": lambda: {"track": value},
    }[kind]()
    return draft.edit(changes)


def fields(snap: SessionSnapshot) -> dict[str, Any]:
    return snap.model_dump(mode="json", exclude={"session_id", "version"})


def check(release: Release, previous: Release | None) -> None:
    before = {s.session_id: s for s in (previous.sessions if previous else ())}
    listed = {c.session_id: c for c in release.changes}
    for snap in release.sessions:
        prior = before.get(snap.session_id)
        if snap.session_id not in listed:
            assert prior == snap  # unlisted: identical, version included
            continue
        change = listed[snap.session_id]
        assert change.session == snap
        if prior is None:
            assert snap.version == 1
            continue
        old, new = fields(prior), fields(snap)
        differing = {name for name in new if new[name] != old[name]}
        assert set(change.new) == set(change.old) == differing
        assert {name: old[name] for name in differing} == change.old
        assert {**old, **change.new} == new
        assert snap.version == prior.version + 1
        assert change.kinds


@settings(max_examples=150, deadline=None)
@given(histories)
def test_every_release_lists_exactly_what_changed(history: list[list[tuple[int, Any]]]) -> None:
    halls = {h.id: h for h in HALLS}
    drafts = [
        session(f"Сессия {n}", at(23, 10 + 2 * n), at(23, 11 + 2 * n), hall_id=HALLS[0].id)
        for n in range(3)
    ]
    previous = plan_release(
        forum_code=CODE, previous=None, drafts=drafts, halls=halls, conflicts=[], now=NOW
    )
    for round_of_edits in history:
        for index, (kind, value) in round_of_edits:
            drafts[index] = apply(drafts[index], kind, value)
        try:
            release = plan_release(
                forum_code=CODE,
                previous=previous,
                drafts=drafts,
                halls=halls,
                conflicts=[],
                now=NOW,
            )
        except NothingToReleaseError:
            # Refused only when every draft looks exactly as the previous release shows it.
            shown = {s.session_id: fields(s) for s in previous.sessions}
            for draft in drafts:
                hall_of = halls.get(draft.plan.hall_id) if draft.plan.hall_id else None
                assert fields(snapshot(draft, hall_of, version=1)) == shown[draft.id]
            continue
        check(release, previous)
        assert release.version == previous.version + 1
        previous = release
