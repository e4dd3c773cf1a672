"""A small programme and a release that moves two sessions, for digest tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.common import LocalizedText, SessionType
from forum_shared.contracts.registration import AgendaEntry
from forum_shared.contracts.schedule import (
    ChangeKind,
    HallUpdated,
    ReleaseChange,
    ReleasePublished,
    SessionChanged,
    SessionSnapshot,
    SpeakerUpdated,
)

from tests.notifications.factories import FORUM, attendee_registered

DAY = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)  # 10:00 in Volgograd (UTC+3)
HALL_A = uuid.UUID("a0000000-0000-4000-8000-00000000000a")
HALL_B = uuid.UUID("b0000000-0000-4000-8000-00000000000b")


def _wrap(data: Any) -> EventEnvelope:
    return EventEnvelope.wrap(data, producer="schedule", forum=FORUM)


def hall(hall_id: uuid.UUID, ru: str, en: str) -> EventEnvelope:
    return _wrap(
        HallUpdated(hall_id=hall_id, name=LocalizedText(ru=ru, en=en), capacity=100, version=1)
    )


def speaker(speaker_id: uuid.UUID, name: str, email: str) -> EventEnvelope:
    return _wrap(SpeakerUpdated(speaker_id=speaker_id, full_name=name, email=email, version=1))


def snapshot(session_id: uuid.UUID, title: str, **overrides: Any) -> SessionSnapshot:
    values: dict[str, Any] = {
        "session_id": session_id,
        "title": LocalizedText(ru=title, en=f"{title} (en)"),
        "type": SessionType.PANEL,
        "starts_at": DAY,
        "ends_at": DAY + timedelta(minutes=90),
        "hall_id": HALL_A,
        "hall_name": LocalizedText(ru="Зал «Волга»", en="Volga Hall"),
        "version": 1,
    }
    values.update(overrides)
    return SessionSnapshot(**values)


@dataclass
class Scenario:
    """S1 is rescheduled, S2 moves hall (and has a speaker), S3 is untouched, S4 only grows."""

    s1: uuid.UUID = field(default_factory=uuid.uuid4)
    s2: uuid.UUID = field(default_factory=uuid.uuid4)
    s3: uuid.UUID = field(default_factory=uuid.uuid4)
    s4: uuid.UUID = field(default_factory=uuid.uuid4)
    speaker_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def setup_events(self) -> list[EventEnvelope]:
        return [
            hall(HALL_A, "Зал «Волга»", "Volga Hall"),
            hall(HALL_B, "Зал «Дон»", "Don Hall"),
            speaker(self.speaker_id, "Петров Пётр Петрович", "petrov@example.ru"),
        ]

    def attendee(self, name: str, email: str, sessions: list[uuid.UUID]) -> EventEnvelope:
        agenda = [AgendaEntry(session_id=s) for s in sessions]
        return attendee_registered(full_name=name, email=email, agenda=agenda)

    def session_events(self, release_version: int = 2) -> list[EventEnvelope]:
        s1_old = snapshot(self.s1, "Энергетика будущего")
        s1_new = snapshot(
            self.s1,
            "Энергетика будущего",
            starts_at=DAY + timedelta(hours=2),
            ends_at=DAY + timedelta(hours=3, minutes=30),
            version=2,
        )
        s2_old = snapshot(self.s2, "Умные сети", speaker_ids=[self.speaker_id])
        s2_new = snapshot(
            self.s2,
            "Умные сети",
            hall_id=HALL_B,
            hall_name=LocalizedText(ru="Зал «Дон»", en="Don Hall"),
            speaker_ids=[self.speaker_id],
            version=2,
        )
        s4_old = snapshot(self.s4, "Выставка", capacity=50)
        s4_new = snapshot(self.s4, "Выставка", capacity=80, version=2)
        return [
            _changed(release_version, [ChangeKind.RESCHEDULED], s1_new, s1_old),
            _changed(release_version, [ChangeKind.MOVED], s2_new, s2_old),
            _changed(release_version, [ChangeKind.CAPACITY_CHANGED], s4_new, s4_old),
        ]

    def release(self, release_version: int = 2) -> EventEnvelope:
        changes = [
            ReleaseChange(session_id=self.s1, kinds=[ChangeKind.RESCHEDULED]),
            ReleaseChange(session_id=self.s2, kinds=[ChangeKind.MOVED]),
            ReleaseChange(session_id=self.s4, kinds=[ChangeKind.CAPACITY_CHANGED]),
        ]
        return _wrap(
            ReleasePublished(
                release_version=release_version, published_at=datetime.now(UTC), changes=changes
            )
        )


def _changed(
    version: int, kinds: list[ChangeKind], new: SessionSnapshot, old: SessionSnapshot
) -> EventEnvelope:
    return _wrap(SessionChanged(release_version=version, kinds=kinds, session=new, previous=old))
