"""Pure rules of the notifications service: replicas, which email a fact deserves, identities.

Nothing here touches the database, the broker, SMTP or Jinja2: the rules are plain functions
over plain values, so they are tested without any infrastructure.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.utils import parseaddr
from enum import StrEnum
from functools import lru_cache
from typing import Any

LOCALES = ("ru", "en")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


class EmailStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # the person opted out of this kind of mail


class Template(StrEnum):
    """One reason to write to a person; names the template files `templates/<locale>/<name>.*`."""

    CONFIRMATION = "confirmation"
    PENDING_APPROVAL = "pending_approval"
    WAITLISTED = "waitlisted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PROMOTED = "promoted"
    SESSION_PROMOTED = "session_promoted"
    CANCELLED = "cancelled"
    MANAGE_LINK = "manage_link"
    REMINDER = "reminder"
    SCHEDULE_DIGEST = "schedule_digest"


@dataclass(frozen=True)
class ForumView:
    """The notifications replica of a forum edition."""

    code: str
    title: dict[str, str]
    venue: dict[str, str]
    address: dict[str, str] | None
    timezone: str
    starts_on: date
    ends_on: date
    version: int


@dataclass(frozen=True)
class AttendeeView:
    """The notifications replica of a registration: whom to write to, and in which language."""

    registration_id: uuid.UUID
    forum_code: str
    full_name: str
    email: str
    locale: str
    category: str
    status: str
    agenda: list[dict[str, Any]] = field(default_factory=list)
    link_generation: int = 1
    version: int = 1


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email; with a `cid` it is an inline image the HTML refers to."""

    filename: str
    content_type: str
    data: bytes
    cid: str | None = None


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class NewEmail:
    """An email decided on and rendered, about to become a queued row."""

    source_event_id: uuid.UUID
    recipient_id: uuid.UUID
    template: str
    forum_code: str
    correlation_id: uuid.UUID | None
    to_name: str
    to_email: str
    locale: str
    content: RenderedEmail
    message_id: str


@dataclass(frozen=True)
class OutgoingEmail:
    """A queued row claimed by a sender, with everything needed to build the MIME message."""

    id: uuid.UUID
    source_event_id: uuid.UUID
    recipient_id: uuid.UUID
    template: str
    forum_code: str
    correlation_id: uuid.UUID | None
    to_name: str
    to_email: str
    subject: str
    text_body: str
    html_body: str
    message_id: str
    attempts: int
    attachments: tuple[Attachment, ...] = ()
    unsubscribe_url: str | None = None
    trace_context: str | None = None


def is_newer(incoming_version: int, stored_version: int | None) -> bool:
    """Per-entity ordering: apply an event only if it is newer than what the replica holds."""
    return stored_version is None or incoming_version > stored_version


def pick_locale(locale: str | None) -> str:
    return locale if locale in LOCALES else "ru"


def localized(text: dict[str, str] | None, locale: str) -> str:
    if not text:
        return ""
    return (text.get("en") if locale == "en" else None) or text.get("ru", "")


def registration_template(status: str) -> Template | None:
    """Which email a new registration deserves, by the status it was registered with."""
    return {
        "confirmed": Template.CONFIRMATION,
        "pending_approval": Template.PENDING_APPROVAL,
        "waitlisted": Template.WAITLISTED,
    }.get(status)


@lru_cache(maxsize=8)  # one sender address per process: parsed once, not per email
def sender_domain(mail_from: str) -> str:
    _name, address = parseaddr(mail_from)
    return address.rpartition("@")[2] or "localhost"


def message_id(
    source_event_id: uuid.UUID, recipient_id: uuid.UUID, template: str, mail_from: str
) -> str:
    """The same email always carries the same Message-ID, so a rare resend is recognisable."""
    return f"<{source_event_id}.{recipient_id}.{template}@{sender_domain(mail_from)}>"


def header_text(value: str) -> str:
    """A user-supplied text fit for a header: control characters (CR, LF, NUL…) become spaces.

    `=?` is broken up too: an RFC 2047 encoded word typed by a user (`=?UTF-8?Q?=0A?=`) is
    otherwise decoded to a newline and folded out as a header by unpatched Pythons
    (CVE-2024-6923, this machine's 3.11.7 included).
    """
    return " ".join(_CONTROL.sub(" ", value).replace("=?", "= ?").split())


def retry_delay(attempts: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential back-off after the n-th failed attempt (n ≥ 1): base, 2·base, 4·base… ≤ cap."""
    return min(base * (1 << max(attempts - 1, 0)), cap)
