"""Merging a programme file into the drafts: the file is the truth for what it names.

Entities get ids derived from the forum code and the file's keys, so importing the same file
twice changes nothing and an edited file changes exactly what was edited. Sessions of the
forum that the file no longer names are cancelled.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from forum_schedule.domain.catalogue import Hall, Speaker
from forum_schedule.domain.sessions import Session

_NAMESPACE = uuid.UUID("6f1c1c1e-7a51-4c39-9b1e-2f0f6c9a5d11")


def imported_id(forum_code: str, kind: str, key: str) -> uuid.UUID:
    """A stable id for an entity a file names by key."""
    return uuid.uuid5(_NAMESPACE, f"{forum_code}/{kind}/{key}")


@dataclass
class ImportPlan:
    """What to write: new entities, changed ones (with the version they replace)."""

    new_halls: list[Hall] = field(default_factory=list)
    changed_halls: list[Hall] = field(default_factory=list)
    new_speakers: list[Speaker] = field(default_factory=list)
    changed_speakers: list[Speaker] = field(default_factory=list)
    new_sessions: list[Session] = field(default_factory=list)
    changed_sessions: list[tuple[Session, int]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "halls_added": len(self.new_halls),
            "halls_changed": len(self.changed_halls),
            "speakers_added": len(self.new_speakers),
            "speakers_changed": len(self.changed_speakers),
            "sessions_added": len(self.new_sessions),
            "sessions_changed": len(self.changed_sessions),
        }


def plan_import(
    *,
    halls: Mapping[uuid.UUID, Hall],
    speakers: Mapping[uuid.UUID, Speaker],
    sessions: Sequence[Session],
    wanted_halls: Sequence[Hall],
    wanted_speakers: Sequence[Speaker],
    wanted_sessions: Sequence[Session],
) -> ImportPlan:
    plan = ImportPlan()
    for hall in wanted_halls:
        old_hall = halls.get(hall.id)
        if old_hall is None:
            plan.new_halls.append(hall)
        elif (old_hall.name, old_hall.capacity) != (hall.name, hall.capacity):
            plan.changed_halls.append(old_hall.revise(hall.name, hall.capacity))
    for speaker in wanted_speakers:
        old_speaker = speakers.get(speaker.id)
        if old_speaker is None:
            plan.new_speakers.append(speaker)
        elif replace(old_speaker, version=speaker.version) != speaker:
            plan.changed_speakers.append(replace(speaker, version=old_speaker.version + 1))
    current = {draft.id: draft for draft in sessions}
    for draft in wanted_sessions:
        old = current.pop(draft.id, None)
        if old is None:
            plan.new_sessions.append(draft)
        elif old.cancelled or old.plan != draft.plan:
            new = replace(old, plan=draft.plan, cancelled=False, version=old.version + 1)
            plan.changed_sessions.append((new, old.version))
    for old in current.values():
        if not old.cancelled:
            plan.changed_sessions.append((old.cancel(), old.version))
    return plan
