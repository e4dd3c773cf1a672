"""Alembic environment of the notifications service: its tables plus the outbox and inbox."""

from forum_notifications.models import Base
from forum_shared.migrations import run_env

run_env(Base.metadata)
