"""Alembic environment of the registration service: its tables plus the outbox and inbox."""

from forum_registration.models import Base
from forum_shared.migrations import run_env

run_env(Base.metadata)
