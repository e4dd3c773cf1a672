"""What a confirmation carries besides text: the personal agenda, the QR badge, an .ics file.

The badge QR holds `forum_shared.links.badge_code` (an HMAC under the platform's secret), so a
badge cannot be forged from a registration id alone, and check-in verifies it offline.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from typing import Any

import segno

from forum_notifications.calendar import CalendarEvent, all_day, calendar
from forum_notifications.domain import Attachment, AttendeeView, ForumView, localized
from forum_notifications.rendering import local_datetime, local_time

BADGE_CID = "badge-qr"


def badge_image(code: str) -> Attachment:
    buffer = io.BytesIO()
    segno.make_qr(code, error="m").save(buffer, kind="png", scale=6, border=2)
    return Attachment("badge.png", "image/png", buffer.getvalue(), cid=BADGE_CID)


def agenda_items(
    attendee: AttendeeView, sessions: dict[uuid.UUID, dict[str, Any]], timezone: str
) -> list[dict[str, Any]]:
    """The attendee's sessions in time order, as the templates show them."""
    items: list[dict[str, Any]] = []
    for entry in attendee.agenda:
        snapshot = sessions.get(uuid.UUID(str(entry["session_id"])))
        if snapshot is None or snapshot.get("status") == "cancelled":
            continue
        starts = datetime.fromisoformat(snapshot["starts_at"])
        ends = datetime.fromisoformat(snapshot["ends_at"])
        items.append(
            {
                "sort": starts,
                "title": localized(snapshot["title"], attendee.locale),
                "when": f"{local_datetime(starts, timezone, attendee.locale)}"
                f"–{local_time(ends, timezone, attendee.locale)}",
                "hall": localized(snapshot.get("hall_name"), attendee.locale),
                "waitlisted": entry.get("status") == "waitlisted",
                "snapshot": snapshot,
            }
        )
    items.sort(key=lambda item: item["sort"])
    return items


def forum_calendar(
    forum: ForumView, attendee: AttendeeView, agenda: list[dict[str, Any]], domain: str
) -> Attachment:
    locale = attendee.locale
    starts, ends = all_day(forum.starts_on, forum.ends_on)
    places = (localized(forum.venue, locale), localized(forum.address, locale))
    venue = ", ".join(place for place in places if place)
    events = [
        CalendarEvent(
            uid=f"forum-{forum.code}@{domain}",
            summary=localized(forum.title, locale),
            starts=starts,
            ends=ends,
            location=venue,
            sequence=forum.version,
        )
    ]
    for item in agenda:
        snapshot = item["snapshot"]
        events.append(
            CalendarEvent(
                uid=f"{snapshot['session_id']}@{domain}",
                summary=item["title"],
                starts=datetime.fromisoformat(snapshot["starts_at"]),
                ends=datetime.fromisoformat(snapshot["ends_at"]),
                location=", ".join(p for p in (item["hall"], localized(forum.venue, locale)) if p),
                sequence=int(snapshot.get("version", 0)),
            )
        )
    return Attachment(f"{forum.code}.ics", "text/calendar", calendar(events))
