"""Rendering a queued digest when a sender leases it: the person's changes, old → new."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.calendar import CalendarEvent, calendar
from forum_notifications.composing import forum_context
from forum_notifications.delivery import Prepare
from forum_notifications.digest import FieldChange, field_changes, people_of
from forum_notifications.domain import (
    Attachment,
    ForumView,
    RenderedEmail,
    Template,
    localized,
    pick_locale,
    sender_domain,
)
from forum_notifications.models import EmailRow, SessionChangeRow
from forum_notifications.preferences import unsubscribe_url
from forum_notifications.rendering import RenderError, local_datetime, local_time
from forum_notifications.repository import get_forum, programme
from forum_notifications.use_cases import Mailer

LABELS = {
    "ru": {
        "added": "Новая сессия в программе",
        "cancelled": "Сессия отменена",
        "restored": "Сессия снова в программе",
        "time": "Время",
        "hall": "Зал",
        "title": "Название",
        "speakers": "Спикеры и модераторы",
        "nobody": "не назначены",
        "no_hall": "зал уточняется",
    },
    "en": {
        "added": "New in the programme",
        "cancelled": "Cancelled",
        "restored": "Back in the programme",
        "time": "Time",
        "hall": "Hall",
        "title": "Title",
        "speakers": "Speakers and moderators",
        "nobody": "none yet",
        "no_hall": "hall to be announced",
    },
}


def time_range(snapshot: dict[str, Any], timezone: str, locale: str) -> str:
    starts = datetime.fromisoformat(snapshot["starts_at"])
    ends = datetime.fromisoformat(snapshot["ends_at"])
    return f"{local_datetime(starts, timezone, locale)}–{local_time(ends, timezone, locale)}"


class DigestComposer:
    """Builds the digest context of one person from the release's changes and the replicas."""

    def __init__(self, forum: ForumView, locale: str, names: dict[uuid.UUID, str]) -> None:
        self.forum = forum
        self.locale = locale
        self.labels = LABELS[locale]
        self.names = names

    def hall(self, name: dict[str, str] | None) -> str:
        return localized(name, self.locale) or self.labels["no_hall"]

    def people(self, ids: tuple[list[str], list[str]] | list[list[str]]) -> str:
        names = [self.names.get(uuid.UUID(str(i)), "—") for group in ids for i in group]
        return ", ".join(names) or self.labels["nobody"]

    def line(self, change: FieldChange) -> dict[str, str]:
        label = self.labels[change.field]
        if change.field in ("added", "cancelled", "restored"):
            return {"label": label, "old": "", "new": ""}
        if change.field == "time":
            tz = self.forum.timezone
            old = {"starts_at": change.old[0], "ends_at": change.old[1]}
            new = {"starts_at": change.new[0], "ends_at": change.new[1]}
            return {
                "label": label,
                "old": time_range(old, tz, self.locale),
                "new": time_range(new, tz, self.locale),
            }
        if change.field == "hall":
            return {"label": label, "old": self.hall(change.old), "new": self.hall(change.new)}
        if change.field == "title":
            old_title, new_title = (
                localized(change.old, self.locale),
                localized(change.new, self.locale),
            )
            return {"label": label, "old": old_title, "new": new_title}
        return {"label": label, "old": self.people(change.old), "new": self.people(change.new)}

    def session(self, change: SessionChangeRow) -> dict[str, Any]:
        current = change.session
        lines = [self.line(c) for c in field_changes(change.previous, current)]
        return {
            "title": localized(current["title"], self.locale),
            "when": time_range(current, self.forum.timezone, self.locale),
            "hall": self.hall(current.get("hall_name")),
            "cancelled": current.get("status") == "cancelled",
            "changes": lines,
        }


def _place(snapshot: dict[str, Any], forum: ForumView, locale: str) -> str:
    parts = (localized(snapshot.get("hall_name"), locale), localized(forum.venue, locale))
    return ", ".join(part for part in parts if part)


def digest_calendar(
    forum: ForumView, changes: list[SessionChangeRow], locale: str, domain: str
) -> Attachment:
    events = [
        CalendarEvent(
            uid=f"{c.session_id}@{domain}",
            summary=localized(c.session["title"], locale),
            starts=datetime.fromisoformat(c.session["starts_at"]),
            ends=datetime.fromisoformat(c.session["ends_at"]),
            location=", ".join(
                p
                for p in (
                    localized(c.session.get("hall_name"), locale),
                    localized(forum.venue, locale),
                )
                if p
            ),
            sequence=int(c.session.get("version", 0)),
            cancelled=c.session.get("status") == "cancelled",
        )
        for c in changes
    ]
    name = "izmeneniya-programmy.ics" if locale == "ru" else "programme-changes.ics"
    return Attachment(name, "text/calendar", calendar(events))


@dataclass
class ReleaseFacts:
    """What every digest of one release shares, loaded once and composed once per locale."""

    forum: ForumView
    changes: dict[uuid.UUID, SessionChangeRow]
    names: dict[uuid.UUID, str]
    loaded_at: float
    composed: dict[tuple[str, uuid.UUID], dict[str, Any]] = field(default_factory=dict)

    def session(self, locale: str, session_id: uuid.UUID) -> dict[str, Any]:
        key = (locale, session_id)
        if key not in self.composed:
            composer = DigestComposer(self.forum, locale, self.names)
            self.composed[key] = composer.session(self.changes[session_id])
        return self.composed[key]


class ReleaseCache:
    """A release's changes are fixed once it is planned: thousands of digests of the same
    release need not reload them. Entries live `ttl_s` (forum and speaker names may change)."""

    def __init__(self, ttl_s: float = 10.0, size: int = 8) -> None:
        self._ttl_s = ttl_s
        self._size = size
        self._entries: dict[tuple[str, int], ReleaseFacts] = {}

    async def get(self, session: AsyncSession, forum_code: str, version: int) -> ReleaseFacts:
        key = (forum_code, version)
        facts = self._entries.get(key)
        if facts is not None and time.monotonic() - facts.loaded_at < self._ttl_s:
            return facts
        forum = await get_forum(session, forum_code)
        if forum is None:
            raise RenderError(f"forum {forum_code!r} unknown")
        changes = {c.session_id: c for c in await programme.release_changes(session, *key)}
        people: set[uuid.UUID] = set().union(
            *(people_of(c.previous, c.session) for c in changes.values())
        )
        speakers = await programme.speakers_by_id(session, people)
        names = {k: v.full_name for k, v in speakers.items()}
        facts = ReleaseFacts(forum, changes, names, time.monotonic())
        if len(self._entries) >= self._size:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = facts
        return facts


def digest_preparer(mailer: Mailer, cache: ReleaseCache | None = None) -> Prepare:
    releases = cache or ReleaseCache()

    async def prepare(session: AsyncSession, row: EmailRow) -> RenderedEmail:
        payload = row.payload or {}
        if "release_version" not in payload:
            raise RenderError(f"digest {row.message_id}: release unknown")
        facts = await releases.get(session, row.forum_code, int(payload["release_version"]))
        wanted = [
            uuid.UUID(s) for s in payload.get("session_ids", []) if uuid.UUID(s) in facts.changes
        ]
        changes = sorted((facts.changes[s] for s in wanted), key=lambda c: c.session["starts_at"])
        locale = pick_locale(row.locale)
        registration_id = payload.get("registration_id")
        link = (
            mailer.manage_link(uuid.UUID(registration_id), int(payload.get("link_generation", 1)))
            if registration_id
            else None
        )
        unsubscribe = unsubscribe_url(mailer.public_url, mailer.secret_key, row.id, row.template)
        row.payload = {**payload, "unsubscribe_url": unsubscribe}
        context = {
            "locale": locale,
            "name": row.to_name,
            "forum": forum_context(facts.forum, locale),
            "sessions": [facts.session(locale, c.session_id) for c in changes],
            "is_speaker": payload.get("kind") == "speaker",
            "manage_url": link,
            "unsubscribe_url": unsubscribe,
        }
        content = mailer.renderer.render(Template.SCHEDULE_DIGEST, locale, context)
        ics = digest_calendar(facts.forum, changes, locale, sender_domain(mailer.mail_from))
        return replace(content, attachments=(ics,))

    return prepare
