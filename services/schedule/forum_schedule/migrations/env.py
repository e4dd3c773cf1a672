"""Alembic environment of the schedule service: its tables plus the outbox and inbox."""

from forum_schedule.models import Base
from forum_shared.migrations import run_env

run_env(Base.metadata)
