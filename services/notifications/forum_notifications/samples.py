"""Every template rendered with sample data, through the same composing code as real mail.

Used by the preview endpoint (`GET /v1/templates/{name}/preview`) and by the tests that
save each template's HTML in both locales for a person to look at.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from forum_shared.links import badge_code

from forum_notifications.composing import forum_context, registration_context
from forum_notifications.digest_emails import DigestComposer, digest_calendar
from forum_notifications.domain import AttendeeView, ForumView, RenderedEmail, Template
from forum_notifications.extras import (
    BADGE_CID,
    agenda_items,
    badge_image,
    forum_calendar,
)
from forum_notifications.models import SessionChangeRow
from forum_notifications.use_cases import ADMITTED, Mailer

REGISTRATION_ID = uuid.UUID("5a3e7c1e-8d2b-4c59-9a61-0c7f3b2d4e10")
SPEAKER_ID = uuid.UUID("5a3e7c1e-8d2b-4c59-9a61-0c7f3b2d4e11")
S1 = uuid.UUID("5a3e7c1e-8d2b-4c59-9a61-0c7f3b2d4e21")
S2 = uuid.UUID("5a3e7c1e-8d2b-4c59-9a61-0c7f3b2d4e22")
START = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)

FORUM = ForumView(
    code="pev2026",
    title={"ru": "ПромЭнергоVolga 2026", "en": "PromEnergoVolga 2026"},
    venue={"ru": "ВолгоградЭкспо", "en": "VolgogradExpo"},
    address={"ru": "Волгоград, пр. Ленина, 65", "en": "65 Lenin Ave, Volgograd"},
    timezone="Europe/Volgograd",
    starts_on=date(2026, 12, 10),
    ends_on=date(2026, 12, 12),
    version=1,
)
NAMES = {"ru": "Иванова Мария Петровна", "en": "Maria Ivanova"}


def _session(
    session_id: uuid.UUID, ru: str, en: str, hours: int, hall: tuple[str, str], **extra: Any
) -> Any:
    starts = START + timedelta(hours=hours)
    return {
        "session_id": str(session_id),
        "title": {"ru": ru, "en": en},
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=90)).isoformat(),
        "hall_id": str(uuid.uuid5(uuid.NAMESPACE_URL, hall[1])),
        "hall_name": {"ru": f"Зал «{hall[0]}»", "en": f"{hall[1]} Hall"},
        "speaker_ids": [],
        "moderator_ids": [],
        "status": "published",
        "version": 2,
    } | extra


SESSIONS = {
    S1: _session(S1, "Энергетика будущего", "Energy of the future", 0, ("Волга", "Volga")),
    S2: _session(S2, "Умные сети", "Smart grids", 3, ("Дон", "Don"), speaker_ids=[str(SPEAKER_ID)]),
}
EXTRAS: dict[str, dict[str, Any]] = {
    Template.REMINDER: {
        "unsubscribe_url": "http://forum.local/v1/unsubscribe/sample?kind=reminders"
    },
    Template.REJECTED: {"reason": "заявки прессы принимаются только от аккредитованных СМИ"},
    Template.CANCELLED: {"by_organizer": False},
    Template.SESSION_PROMOTED: {"promoted_ids": [str(S2)]},
}


def sample_attendee(locale: str) -> AttendeeView:
    agenda = [{"session_id": str(S1), "status": "confirmed"}, {"session_id": str(S2)}]
    return AttendeeView(
        REGISTRATION_ID,
        FORUM.code,
        NAMES[locale],
        "maria@example.ru",
        locale,
        "delegate",
        "confirmed",
        agenda,
    )


def sample_email(name: str, locale: str, mailer: Mailer) -> RenderedEmail:
    """Render template `name` in `locale` with sample data; raises RenderError if unknown."""
    if name == Template.SCHEDULE_DIGEST:
        return _digest(locale, mailer)
    attendee = sample_attendee(locale)
    agenda = agenda_items(attendee, SESSIONS, FORUM.timezone)
    admitted = name in ADMITTED
    context = registration_context(
        FORUM,
        attendee,
        manage_url=mailer.manage_link(REGISTRATION_ID, 1),
        agenda=agenda,
        badge_cid=BADGE_CID if admitted else None,
    ) | EXTRAS.get(name, {})
    content = mailer.renderer.render(name, locale, context)
    if not admitted:
        return content
    badge = badge_image(badge_code(mailer.secret_key, REGISTRATION_ID))
    ics = forum_calendar(FORUM, attendee, agenda, "forum.local")
    return replace(content, attachments=(badge, ics))


def _digest(locale: str, mailer: Mailer) -> RenderedEmail:
    moved = dict(SESSIONS[S1]) | {
        "starts_at": (START + timedelta(hours=1)).isoformat(),
        "ends_at": (START + timedelta(hours=2, minutes=30)).isoformat(),
    }
    relocated = dict(SESSIONS[S2]) | {
        "hall_id": str(uuid.uuid4()),
        "hall_name": {"ru": "Зал «Кама»", "en": "Kama Hall"},
        "status": "published",
    }
    changes = [
        SessionChangeRow(session_id=S1, session=moved, previous=SESSIONS[S1], kinds=[]),
        SessionChangeRow(session_id=S2, session=relocated, previous=SESSIONS[S2], kinds=[]),
    ]
    composer = DigestComposer(FORUM, locale, {SPEAKER_ID: "Петров Пётр Петрович"})
    context = {
        "locale": locale,
        "name": NAMES[locale],
        "forum": forum_context(FORUM, locale),
        "sessions": [composer.session(change) for change in changes],
        "is_speaker": False,
        "manage_url": mailer.manage_link(REGISTRATION_ID, 1),
        "unsubscribe_url": f"{mailer.public_url}/v1/unsubscribe/sample?kind=digests",
    }
    content = mailer.renderer.render(Template.SCHEDULE_DIGEST, locale, context)
    return replace(content, attachments=(digest_calendar(FORUM, changes, locale, "forum.local"),))


def inline_images(email: RenderedEmail) -> str:
    """The HTML part with `cid:` images turned into data URIs, for viewing in a browser."""
    html = email.html
    for item in email.attachments:
        if item.cid:
            data = base64.b64encode(item.data).decode()
            html = html.replace(f"cid:{item.cid}", f"data:{item.content_type};base64,{data}")
    return html
