"""What each email says: the template context built from the replicas, in one locale."""

from __future__ import annotations

from typing import Any

from forum_notifications.domain import AttendeeView, ForumView, localized, pick_locale
from forum_notifications.rendering import date_range

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "delegate": {"ru": "делегат", "en": "delegate"},
    "speaker": {"ru": "спикер", "en": "speaker"},
    "exhibitor": {"ru": "экспонент", "en": "exhibitor"},
    "press": {"ru": "пресса", "en": "press"},
    "guest": {"ru": "гость", "en": "guest"},
    "official": {"ru": "официальный представитель", "en": "official"},
}


def forum_context(forum: ForumView, locale: str) -> dict[str, Any]:
    return {
        "title": localized(forum.title, locale),
        "venue": localized(forum.venue, locale),
        "address": localized(forum.address, locale),
        "dates": date_range(forum.starts_on, forum.ends_on, locale),
        "timezone": forum.timezone,
    }


def registration_context(
    forum: ForumView,
    attendee: AttendeeView,
    *,
    manage_url: str,
    agenda: list[dict[str, Any]] | None = None,
    badge_cid: str | None = None,
) -> dict[str, Any]:
    """Context of every email about a registration (confirmation, approval, waitlist…)."""
    locale = pick_locale(attendee.locale)
    return {
        "locale": locale,
        "name": attendee.full_name,
        "category": CATEGORY_LABELS.get(attendee.category, {}).get(locale, attendee.category),
        "status": attendee.status,
        "forum": forum_context(forum, locale),
        "manage_url": manage_url,
        "agenda": agenda or [],
        "badge_cid": badge_cid,
    }
