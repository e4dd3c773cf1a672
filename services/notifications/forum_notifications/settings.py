"""Settings only the notifications service has (`FORUM_` prefix, like the shared ones)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FORUM_", extra="ignore")

    reminder_hour: int = Field(default=10, ge=0, le=23, description="Local hour, eve of day 1")
    reminder_poll_s: float = Field(default=60.0, gt=0)
    digest_patience_s: float = Field(
        default=600.0, gt=0, description="How long a release waits for late session events"
    )
