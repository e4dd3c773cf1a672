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

    # Webhooks: exponential back-off from the base delay, doubling up to the cap, for
    # `webhook_retry_window_s` in all (24 h), then the delivery fails. Tests compress these.
    webhook_base_delay_ms: int = Field(default=10_000, ge=1)
    webhook_max_delay_ms: int = Field(default=3_600_000, ge=1)
    webhook_retry_window_s: float = Field(default=86_400.0, gt=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_concurrency: int = Field(default=8, ge=1, le=256)
    webhook_poll_s: float = Field(default=1.0, gt=0)
    webhook_endpoints_max_age_s: float = Field(
        default=2.0,
        ge=0,
        description="How stale the intake's view of other replicas' endpoints may be",
    )
