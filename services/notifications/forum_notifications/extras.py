"""What a confirmation carries besides text: the personal agenda, the QR badge, an .ics file.

The badge QR holds `forum_shared.links.badge_code` (an HMAC under the platform's secret), so a
badge cannot be forged from a registration id alone, and check-in verifies it offline.

The badge uses one fixed data mask instead of trying all eight: the search is ~80% of the
cost of a code. That is safe because a reader takes the mask from the symbol's format
information, whichever it is; the penalty score only steers an encoder away from runs, blocks
and finder-like 1:1:3:1:1 patterns, which the random-looking HMAC payload rarely forms. Mask 2
is the one closest to the best on badge codes: over 300 of them its penalty was on average 3%
above the best mask's, at worst 22% (mask 0: 20% and 44%).

The symbol's fixed parts are built once (`qr.py`): a badge costs 0.2 ms instead of 2.5.

Size: 6 pixels a module and a 2-module border, shown at 180 px inside a white card with 16 px
of padding, so the quiet zone in the email is about 5 modules (the standard asks for 4).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from forum_notifications.calendar import CalendarEvent, all_day, calendar
from forum_notifications.domain import Attachment, AttendeeView, ForumView, localized
from forum_notifications.png import monochrome_png
from forum_notifications.qr import BadgeSymbol
from forum_notifications.rendering import local_datetime, local_time

BADGE_CID = "badge-qr"
BADGE_MASK = 2
BADGE_SCALE = 6
BADGE_BORDER = 2
_BADGE_SYMBOL = BadgeSymbol(BADGE_MASK)


def badge_image(code: str) -> Attachment:
    matrix = _BADGE_SYMBOL.matrix(code)
    png = monochrome_png(matrix, scale=BADGE_SCALE, border=BADGE_BORDER)
    return Attachment("badge.png", "image/png", png, cid=BADGE_CID)


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
