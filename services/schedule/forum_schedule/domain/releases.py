"""Releases: a published version of the programme and its changelog against the one before.

The changelog is machine-readable and exact: for each affected session the kinds of change
and the old and new value of every field that changed. Each released session carries its own
version, raised only when a release changes it, so consumers can drop stale events.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from forum_shared.contracts.schedule import (
    ChangeKind,
    ReleaseChange,
    ReleasePublished,
    SessionChanged,
    SessionSnapshot,
    SessionStatus,
)

from forum_schedule.domain.catalogue import Hall
from forum_schedule.domain.conflicts import Conflict, conflict_out
from forum_schedule.domain.errors import ConflictError, InvalidError, NothingToReleaseError
from forum_schedule.domain.sessions import Session

# Which snapshot fields make which kind of change, in the order kinds are reported.
_KIND_FIELDS: tuple[tuple[ChangeKind, tuple[str, ...]], ...] = (
    (ChangeKind.RESCHEDULED, ("starts_at", "ends_at")),
    (ChangeKind.MOVED, ("hall_id",)),
    (ChangeKind.RETITLED, ("title",)),
    (ChangeKind.SPEAKERS_CHANGED, ("speaker_ids", "moderator_ids")),
    (ChangeKind.CAPACITY_CHANGED, ("capacity",)),
    (ChangeKind.DETAILS_CHANGED, ("description", "type", "track", "hall_name")),
)


@dataclass(frozen=True)
class SessionChange:
    """One session's entry in a changelog: kinds, and old → new for each changed field."""

    session_id: uuid.UUID
    kinds: tuple[ChangeKind, ...]
    old: dict[str, Any]
    new: dict[str, Any]
    session: SessionSnapshot
    previous: SessionSnapshot | None


@dataclass(frozen=True)
class Release:
    forum_code: str
    version: int
    published_at: datetime
    sessions: tuple[SessionSnapshot, ...]
    changes: tuple[SessionChange, ...]
    forced_reason: str | None = None

    def published_event(self) -> ReleasePublished:
        return ReleasePublished(
            release_version=self.version,
            published_at=self.published_at,
            changes=[
                ReleaseChange(session_id=c.session_id, kinds=list(c.kinds)) for c in self.changes
            ],
            forced_reason=self.forced_reason,
        )

    def session_events(self) -> list[SessionChanged]:
        return [
            SessionChanged(
                release_version=self.version,
                kinds=list(change.kinds),
                session=change.session,
                previous=change.previous,
            )
            for change in self.changes
        ]


def snapshot(session: Session, hall: Hall | None, *, version: int) -> SessionSnapshot:
    """The session as a release shows it; capacity defaults to the hall's."""
    plan = session.plan
    return SessionSnapshot(
        session_id=session.id,
        title=plan.title,
        description=plan.description,
        type=plan.type,
        track=plan.track,
        starts_at=plan.starts_at.astimezone(UTC),
        ends_at=plan.ends_at.astimezone(UTC),
        hall_id=plan.hall_id,
        hall_name=hall.name if hall else None,
        capacity=plan.capacity if plan.capacity is not None else (hall.capacity if hall else None),
        speaker_ids=list(plan.speaker_ids),
        moderator_ids=list(plan.moderator_ids),
        status=SessionStatus.CANCELLED if session.cancelled else SessionStatus.PUBLISHED,
        version=version,
    )


def compare(previous: SessionSnapshot | None, current: SessionSnapshot) -> SessionChange | None:
    """What changed for one session between two releases; None when nothing did."""
    cancelled = current.status == SessionStatus.CANCELLED
    if previous is None:
        if cancelled:
            return None  # drafted and cancelled before any release: nobody ever saw it
        return SessionChange(
            current.session_id, (ChangeKind.ADDED,), {}, _values(current, None), current, None
        )
    was_cancelled = previous.status == SessionStatus.CANCELLED
    kinds: list[ChangeKind] = []
    if cancelled and not was_cancelled:
        kinds.append(ChangeKind.CANCELLED)
    elif was_cancelled and not cancelled:
        kinds.append(ChangeKind.ADDED)
    old_values, new_values = _values(previous, None), _values(current, None)
    changed = {name for name in new_values if new_values[name] != old_values[name]}
    # A new hall brings its own name: that is the move, not a detail of the session.
    kind_fields = changed - {"hall_name"} if "hall_id" in changed else changed
    for kind, names in _KIND_FIELDS:
        if kind_fields & set(names):
            kinds.append(kind)
    if not kinds:
        return None
    changed_names = changed | ({"status"} if cancelled != was_cancelled else set())
    return SessionChange(
        current.session_id,
        tuple(kinds),
        _values(previous, changed_names),
        _values(current, changed_names),
        current,
        previous,
    )


def _values(snap: SessionSnapshot, names: set[str] | None) -> dict[str, Any]:
    data = snap.model_dump(mode="json", exclude={"session_id", "version"})
    if names is None:
        data.pop("status")
        return data
    return {name: data[name] for name in sorted(names)}


def plan_release(
    *,
    forum_code: str,
    previous: Release | None,
    drafts: Sequence[Session],
    halls: Mapping[uuid.UUID, Hall],
    conflicts: Sequence[Conflict],
    now: datetime,
    force: bool = False,
    reason: str | None = None,
) -> Release:
    """The next release, or a refusal: conflicts left (unless forced with a reason), no changes."""
    reason = (reason or "").strip() or None
    _check_may_release(conflicts, force=force, reason=reason)
    snapshots, changes = _diff(previous, drafts, halls)
    if not changes:
        raise NothingToReleaseError(
            "Нет изменений для публикации: программа совпадает с последним выпуском",
            "Nothing to release: the programme equals the latest release",
        )
    return Release(
        forum_code=forum_code,
        version=(previous.version + 1) if previous else 1,
        published_at=now,
        sessions=tuple(snapshots),
        changes=tuple(changes),
        forced_reason=reason if force else None,
    )


def _check_may_release(conflicts: Sequence[Conflict], *, force: bool, reason: str | None) -> None:
    if force and reason is None:
        raise InvalidError(
            "Чтобы опубликовать с конфликтами, укажите причину (reason)",
            "A forced release needs a reason",
        )
    if conflicts and not force:
        raise ConflictError(
            f"В программе остались конфликты ({len(conflicts)}): устраните их или опубликуйте "
            "принудительно с указанием причины",
            f"{len(conflicts)} conflict(s) remain: resolve them or force the release with a reason",
            conflicts=[conflict_out(conflict) for conflict in conflicts],
        )


def _diff(
    previous: Release | None, drafts: Sequence[Session], halls: Mapping[uuid.UUID, Hall]
) -> tuple[list[SessionSnapshot], list[SessionChange]]:
    """Every session as the new release shows it, and what changed against the previous one."""
    before = {snap.session_id: snap for snap in (previous.sessions if previous else ())}
    snapshots: list[SessionSnapshot] = []
    changes: list[SessionChange] = []
    for draft in sorted(drafts, key=lambda s: (s.plan.starts_at, str(s.id))):
        prior = before.get(draft.id)
        hall = halls.get(draft.plan.hall_id) if draft.plan.hall_id else None
        current = snapshot(draft, hall, version=prior.version + 1 if prior else 1)
        change = compare(prior, current)
        if change is not None:
            changes.append(change)
            snapshots.append(current)
        elif prior is not None:
            snapshots.append(prior)  # unchanged: keeps its version
    return snapshots, changes
