"""All SQL of the schedule service; repositories load and store, they never commit."""

from forum_schedule.repository.catalogue import HallRepository, SpeakerRepository
from forum_schedule.repository.forums import ForumRepository
from forum_schedule.repository.releases import ReleaseRepository
from forum_schedule.repository.sessions import SessionRepository

__all__ = [
    "ForumRepository",
    "HallRepository",
    "ReleaseRepository",
    "SessionRepository",
    "SpeakerRepository",
]
