"""iCalendar text: escaping and folding by octets."""

from __future__ import annotations

from datetime import UTC, date, datetime

from forum_notifications.calendar import CalendarEvent, calendar, escape, fold


def test_text_values_are_escaped() -> None:
    assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_without_breaking_characters() -> None:
    line = "SUMMARY:" + "Энергетика будущего " * 10
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert "".join(parts) == line


def test_cancelled_event_keeps_uid_and_sequence() -> None:
    text = calendar(
        [
            CalendarEvent(
                uid="s1@forum.test",
                summary="Умные сети",
                starts=datetime(2026, 12, 10, 7, tzinfo=UTC),
                ends=datetime(2026, 12, 10, 8, 30, tzinfo=UTC),
                sequence=3,
                cancelled=True,
            ),
            CalendarEvent("f@forum.test", "Форум", date(2026, 12, 10), date(2026, 12, 13)),
        ]
    ).decode()
    assert "UID:s1@forum.test\r\n" in text and "SEQUENCE:3\r\n" in text
    assert "STATUS:CANCELLED" in text and "DTSTART:20261210T070000Z" in text
    assert "DTSTART;VALUE=DATE:20261210" in text
    assert text.endswith("END:VCALENDAR\r\n")
