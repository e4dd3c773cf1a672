"""Schedule change digests, the pure part: what changed for a person, and who is affected.

A release is mailed once all its `session.changed` events are in (they may arrive before or
after `release.published`). Only changes a person can act on are listed — time, hall, title,
speakers, cancellation, and a new session for its speakers; a capacity or description change
alone mails nobody. Affected: attendees with the session in their agenda (confirmed or
waitlisted there, registration still active) — for a cancelled session also those whose
agenda lost it to that very cancellation (`FormerHolderRow`) — and the session's speakers
and moderators, before or after the change. One person (one email address) gets one digest
per release.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

ACTIVE_STATUSES = ("confirmed", "pending_approval", "waitlisted")


@dataclass(frozen=True)
class FieldChange:
    """`field` is one of added, cancelled, restored, time, hall, title, speakers."""

    field: str
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class DigestRecipient:
    id: uuid.UUID
    name: str
    email: str
    locale: str
    kind: str  # "attendee" or "speaker"
    registration_id: uuid.UUID | None = None
    link_generation: int = 1


@dataclass
class DigestPlan:
    recipient: DigestRecipient
    session_ids: list[uuid.UUID] = field(default_factory=list)


def _people(snapshot: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    return list(snapshot.get("speaker_ids") or []), list(snapshot.get("moderator_ids") or [])


def field_changes(
    previous: Mapping[str, Any] | None, current: Mapping[str, Any]
) -> list[FieldChange]:
    """Old → new for what a person cares about; a cancellation says it all."""
    if previous is None:
        return [] if current.get("status") == "cancelled" else [FieldChange("added")]
    if current.get("status") == "cancelled":
        was = previous.get("status") == "cancelled"
        return [] if was else [FieldChange("cancelled")]
    changes: list[FieldChange] = []
    if previous.get("status") == "cancelled":
        changes.append(FieldChange("restored"))
    old_time = (previous["starts_at"], previous["ends_at"])
    new_time = (current["starts_at"], current["ends_at"])
    if old_time != new_time:
        changes.append(FieldChange("time", old_time, new_time))
    if previous.get("hall_id") != current.get("hall_id"):
        changes.append(FieldChange("hall", previous.get("hall_name"), current.get("hall_name")))
    if previous.get("title") != current.get("title"):
        changes.append(FieldChange("title", previous.get("title"), current.get("title")))
    if _people(previous) != _people(current):
        changes.append(FieldChange("speakers", _people(previous), _people(current)))
    return changes


def people_of(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> set[uuid.UUID]:
    """Speakers and moderators of a session before and after: all of them are affected."""
    ids: set[str] = set()
    for snapshot in (previous, current):
        if snapshot is not None:
            speakers, moderators = _people(snapshot)
            ids.update(speakers, moderators)
    return {uuid.UUID(str(i)) for i in ids}


def plan_digests(
    affected: Iterable[tuple[DigestRecipient, uuid.UUID]],
) -> list[DigestPlan]:
    """Group (person, changed session) pairs into one digest per email address."""
    plans: dict[str, DigestPlan] = {}
    for recipient, session_id in affected:
        key = recipient.email.strip().lower()
        if not key:
            continue
        plan = plans.get(key)
        if plan is None:
            # An attendee record wins over a speaker record: it carries the manage link.
            plan = plans[key] = DigestPlan(recipient)
        elif plan.recipient.kind == "speaker" and recipient.kind == "attendee":
            plan.recipient = recipient
        if session_id not in plan.session_ids:
            plan.session_ids.append(session_id)
    return list(plans.values())


def release_ready(
    expected: Iterable[str],
    received: Iterable[str],
    *,
    received_at: datetime,
    now: datetime,
    patience: timedelta,
) -> bool:
    """All the release's session events are in, or we have waited long enough for stragglers."""
    missing = {str(s) for s in expected} - {str(s) for s in received}
    return not missing or now - received_at >= patience
