"""The .ics export round-trips through the icalendar parser with stable UIDs and SEQUENCE."""

from __future__ import annotations

from datetime import UTC, datetime

from forum_schedule.domain.forum import Forum
from forum_schedule.domain.releases import Release, plan_release
from forum_schedule.domain.sessions import Session
from forum_schedule.ical import render_calendar, session_uid, uid_domain
from forum_schedule.use_cases.reads import PublishedProgramme
from icalendar import Calendar

from tests.schedule.unit.builders import CODE, at, forum, hall, session, speaker

MAIN = hall("Главный зал", 500)
LECTURER = speaker("Иванов Иван")
DOMAIN = "forum.example.ru"


def publish(drafts: list[Session], previous: Release | None = None) -> Release:
    return plan_release(
        forum_code=CODE,
        previous=previous,
        drafts=drafts,
        halls={MAIN.id: MAIN},
        conflicts=[],
        now=datetime(2022, 11, 20, 9, tzinfo=UTC),
    )


def parse(release: Release, **options: object) -> Calendar:
    programme = PublishedProgramme(Forum(CODE, forum()), release, {LECTURER.id: LECTURER})
    return Calendar.from_ical(render_calendar(programme, domain=DOMAIN, **options))  # type: ignore[arg-type]


def test_sessions_round_trip_in_the_forum_zone_with_a_vtimezone() -> None:
    plenary = session(
        "Пленарное заседание", at(23, 11), at(23, 13), hall_id=MAIN.id, speaker_ids=(LECTURER.id,)
    )
    calendar = parse(publish([plenary]))
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Volgograd"]
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == session_uid(plenary.id, DOMAIN)
    assert str(event["SUMMARY"]) == "Пленарное заседание"
    assert event["DTSTART"].params["TZID"] == "Europe/Volgograd"
    assert event["DTSTART"].dt == at(23, 11)
    assert event["DTSTART"].dt.utcoffset().total_seconds() == 3 * 3600
    assert str(event["LOCATION"]) == "Главный зал, Волгоград Арена"
    assert "Иванов Иван" in str(event["DESCRIPTION"])
    assert (event["SEQUENCE"], str(event["STATUS"])) == (1, "CONFIRMED")


def test_a_released_change_raises_sequence_and_cancellation_is_marked() -> None:
    moved = session("Импортозамещение", at(23, 14), at(23, 16), hall_id=MAIN.id)
    dropped = session("Семинар", at(24, 10), at(24, 11), hall_id=MAIN.id)
    kept = session("Пленарное заседание", at(23, 11), at(23, 13), hall_id=MAIN.id)
    first = publish([moved, dropped, kept])
    second = publish(
        [moved.edit({"starts_at": at(23, 15), "ends_at": at(23, 17)}), dropped.cancel(), kept],
        first,
    )
    events = {str(e["SUMMARY"]): e for e in parse(second).walk("VEVENT")}
    assert events["Импортозамещение"]["SEQUENCE"] == 2
    assert events["Импортозамещение"]["DTSTART"].dt == at(23, 15)
    assert (events["Семинар"]["SEQUENCE"], str(events["Семинар"]["STATUS"])) == (2, "CANCELLED")
    assert events["Пленарное заседание"]["SEQUENCE"] == 1
    uids_before = {str(e["UID"]) for e in parse(first).walk("VEVENT")}
    assert {str(e["UID"]) for e in events.values()} == uids_before


def test_one_session_feed_and_english() -> None:
    a = session("Пленарное заседание", at(23, 11), at(23, 13), hall_id=MAIN.id)
    b = session("Семинар", at(24, 10), at(24, 11), hall_id=MAIN.id)
    only = parse(publish([a, b]), only=b.id, locale="en").walk("VEVENT")
    assert [str(e["UID"]) for e in only] == [session_uid(b.id, DOMAIN)]


def test_uid_domain_is_the_sender_domain_like_the_notification_attachments() -> None:
    assert uid_domain("ПромЭнергоVolga <noreply@promenergovolga.ru>") == "promenergovolga.ru"
    assert uid_domain("") == "localhost"
