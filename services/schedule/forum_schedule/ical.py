"""iCalendar (RFC 5545) export of a released programme.

Calendar apps update an entry in place when its UID stays and its SEQUENCE grows: the UID is
`<session id>@<domain of FORUM_MAIL_FROM>` and SEQUENCE is the session's released version (it
rises with every release that changes the session) — the same scheme as the .ics files the
notifications service attaches to emails, so the feed and an email update one entry. A
cancelled session stays in the feed with `STATUS:CANCELLED`, struck out rather than gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from email.utils import parseaddr

from forum_shared.contracts.schedule import SessionSnapshot, SessionStatus
from icalendar import Calendar, Event, Timezone

from forum_schedule.domain.catalogue import Speaker
from forum_schedule.use_cases.reads import PublishedProgramme

PRODID = "-//PromEnergoVolga//Forum schedule//RU"


def uid_domain(mail_from: str) -> str:
    """The domain of the platform's sender address, as the notifications service uses it."""
    return parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"


def session_uid(session_id: uuid.UUID, domain: str) -> str:
    return f"{session_id}@{domain}"


def render_calendar(
    programme: PublishedProgramme,
    *,
    domain: str,
    locale: str = "ru",
    only: uuid.UUID | None = None,
) -> bytes:
    """The whole released programme, or only one session of it, as an .ics document."""
    forum, release = programme.forum, programme.release
    details = forum.details
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", details.title.in_locale(locale))
    calendar.add("x-wr-timezone", details.timezone)
    calendar.add_component(
        Timezone.from_tzid(
            details.timezone,
            first_date=date(details.starts_on.year - 1, 1, 1),
            last_date=date(details.ends_on.year + 1, 12, 31),
        )
    )
    for snap in release.sessions:
        if only is None or snap.session_id == only:
            calendar.add_component(_event(programme, snap, domain=domain, locale=locale))
    return bytes(calendar.to_ical())


def _event(
    programme: PublishedProgramme, snap: SessionSnapshot, *, domain: str, locale: str
) -> Event:
    details, zone = programme.forum.details, programme.forum.details.zone
    event = Event()
    event.add("uid", session_uid(snap.session_id, domain))
    event.add("dtstamp", programme.release.published_at)
    event.add("last-modified", programme.release.published_at)
    event.add("sequence", snap.version)
    event.add("dtstart", snap.starts_at.astimezone(zone))
    event.add("dtend", snap.ends_at.astimezone(zone))
    event.add("summary", snap.title.in_locale(locale))
    venue = details.venue.in_locale(locale)
    hall = snap.hall_name.in_locale(locale) if snap.hall_name else None
    event.add("location", f"{hall}, {venue}" if hall else venue)
    description = _description(snap, programme.speakers.values(), locale)
    if description:
        event.add("description", description)
    event.add("categories", [snap.type.value])
    cancelled = snap.status == SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _description(snap: SessionSnapshot, speakers: Iterable[Speaker], locale: str) -> str:
    by_id = {speaker.id: speaker for speaker in speakers}
    lines = [snap.description.in_locale(locale)] if snap.description else []
    names = [by_id[i].full_name for i in snap.speaker_ids if i in by_id]
    if names:
        lines.append(("Speakers: " if locale == "en" else "Спикеры: ") + ", ".join(names))
    moderators = [by_id[i].full_name for i in snap.moderator_ids if i in by_id]
    if moderators:
        label = "Moderators: " if locale == "en" else "Модераторы: "
        lines.append(label + ", ".join(moderators))
    return "\n".join(lines)
