"""The public programme: the latest release by day, in the forum's own time zone."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from forum_shared.contracts.common import SessionType
from forum_shared.contracts.schedule import SessionSnapshot

from forum_schedule.use_cases.reads import PublishedProgramme


@dataclass(frozen=True)
class ProgrammeFilter:
    day: date | None = None
    hall_id: uuid.UUID | None = None
    track: str | None = None
    type: SessionType | None = None

    def admits(self, snap: SessionSnapshot, local_day: date) -> bool:
        return (
            (self.day is None or local_day == self.day)
            and (self.hall_id is None or snap.hall_id == self.hall_id)
            and (self.track is None or snap.track == self.track)
            and (self.type is None or snap.type == self.type)
        )


def _people(programme: PublishedProgramme, ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    people = []
    for person_id in ids:
        speaker = programme.speakers.get(person_id)
        if speaker is not None:
            people.append(
                {
                    "id": str(person_id),
                    "full_name": speaker.full_name,
                    "organization": speaker.organization,
                    "position": speaker.position,
                }
            )
    return people


def programme_out(programme: PublishedProgramme, wanted: ProgrammeFilter) -> dict[str, Any]:
    forum, release = programme.forum, programme.release
    zone = forum.details.zone
    days: dict[date, list[dict[str, Any]]] = {}
    for snap in sorted(release.sessions, key=lambda s: (s.starts_at, s.title.ru)):
        local_day = snap.starts_at.astimezone(zone).date()
        if wanted.admits(snap, local_day):
            days.setdefault(local_day, []).append(_session(programme, snap))
    return {
        "forum": {
            "code": forum.code,
            "title": forum.details.title.model_dump(),
            "venue": forum.details.venue.model_dump(),
            "timezone": forum.details.timezone,
            "starts_on": forum.details.starts_on.isoformat(),
            "ends_on": forum.details.ends_on.isoformat(),
        },
        "release": {"version": release.version, "published_at": release.published_at.isoformat()},
        "days": [
            {"date": day.isoformat(), "sessions": items} for day, items in sorted(days.items())
        ],
        # What a page offers as filters, from the whole release (not only the filtered part).
        "halls": _halls(release.sessions),
        "tracks": sorted({snap.track for snap in release.sessions if snap.track}),
    }


def _session(programme: PublishedProgramme, snap: SessionSnapshot) -> dict[str, Any]:
    zone = programme.forum.details.zone
    hall = (
        {"id": str(snap.hall_id), "name": snap.hall_name.model_dump()}
        if snap.hall_id and snap.hall_name
        else None
    )
    return {
        "id": str(snap.session_id),
        "title": snap.title.model_dump(),
        "description": snap.description.model_dump() if snap.description else None,
        "type": snap.type.value,
        "track": snap.track,
        "starts_at": snap.starts_at.astimezone(zone).isoformat(),
        "ends_at": snap.ends_at.astimezone(zone).isoformat(),
        "hall": hall,
        "capacity": snap.capacity,
        "speakers": _people(programme, snap.speaker_ids),
        "moderators": _people(programme, snap.moderator_ids),
        "status": snap.status.value,
        "version": snap.version,
    }


def _halls(sessions: Sequence[SessionSnapshot]) -> list[dict[str, Any]]:
    halls = {snap.hall_id: snap.hall_name for snap in sessions if snap.hall_id and snap.hall_name}
    return [
        {"id": str(hall_id), "name": name.model_dump()}
        for hall_id, name in sorted(halls.items(), key=lambda item: item[1].ru)
    ]
