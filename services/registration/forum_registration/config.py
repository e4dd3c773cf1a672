"""Registration's own settings beyond `ForumSettings` (same `FORUM_` prefix).

- `FORUM_RATE_LIMIT_PER_MINUTE`: registrations and link requests a client (IP address) may
  make per minute; a single email gets at most 5 of them. `0` turns limiting off (load
  tests). Unset: 30 in production, off in dev and test.
- `FORUM_CORS_ORIGINS`: frontend origins allowed to call the API from a browser, comma
  separated (`https://forum.example.ru,https://reg.example.ru`). Unset: none.
"""

from __future__ import annotations

from typing import Annotated, Any

from forum_shared.settings import ForumSettings
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PRODUCTION_RATE_LIMIT = 30
PER_EMAIL_LIMIT = 5


class RegistrationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FORUM_", extra="ignore")

    rate_limit_per_minute: int | None = Field(default=None, ge=0)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @classmethod
    def for_platform(cls, settings: ForumSettings) -> RegistrationSettings:
        """Read from the environment, unless `ForumSettings` one day carries the same fields."""
        known = {
            name: getattr(settings, name) for name in cls.model_fields if hasattr(settings, name)
        }
        return cls(**known)

    def effective_rate_limit(self, env: str) -> int:
        if self.rate_limit_per_minute is not None:
            return self.rate_limit_per_minute
        return PRODUCTION_RATE_LIMIT if env == "production" else 0
