"""Typed settings read from `FORUM_*` environment variables.

With nothing set the platform runs on its embedded default (SQLite files under `./var`).
Outside `dev`, secrets must be set explicitly: a default admin token or signing key in
production is refused at start-up rather than discovered later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_ADMIN_TOKEN = "dev-admin-token"  # noqa: S105 - refused outside dev by the validator below
DEV_SECRET_KEY = "dev-secret-key-change-me"  # noqa: S105 - likewise


class ForumSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FORUM_", extra="ignore")

    env: Literal["dev", "test", "production"] = "dev"
    amqp_url: str | None = Field(default=None, description="RabbitMQ URL; unset in dev only")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default: SQLite file under var_dir"
    )
    database_pooler: Literal["none", "pgbouncer"] = Field(
        default="none",
        description="pgbouncer: FORUM_DATABASE_URL points at PgBouncer in transaction mode",
    )
    var_dir: Path = Path("var")
    smtp_url: str = "smtp://127.0.0.1:1025"
    mail_from: str = "ПромЭнергоVolga <noreply@forum.local>"
    admin_token: str = DEV_ADMIN_TOKEN
    secret_key: str = DEV_SECRET_KEY
    public_url: str = "http://127.0.0.1:8000"
    http_host: str = "127.0.0.1"
    http_port: int | None = None

    prefetch_count: int = Field(default=32, ge=1, le=1000)
    delivery_limit: int = Field(default=10, ge=1)
    retry_delays_ms: list[int] = Field(default=[1_000, 5_000, 30_000, 120_000, 600_000])
    publish_timeout_s: float = Field(default=10.0, gt=0)
    graceful_timeout_s: float = Field(default=30.0, gt=0)
    relay_batch_size: int = Field(default=100, ge=1)
    relay_poll_interval_s: float = Field(default=0.5, gt=0)
    db_pool_size: int = Field(default=10, ge=1)
    smtp_timeout_s: float = Field(default=20.0, gt=0)
    smtp_concurrency: int = Field(default=4, ge=1)
    smtp_rate_per_s: float = Field(default=50.0, gt=0)
    log_json: bool = True
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> ForumSettings:
        if self.env == "production":
            if self.admin_token == DEV_ADMIN_TOKEN or self.secret_key == DEV_SECRET_KEY:
                raise ValueError("set FORUM_ADMIN_TOKEN and FORUM_SECRET_KEY in production")
            if len(self.secret_key) < 32:
                raise ValueError("FORUM_SECRET_KEY must be at least 32 characters")
            if not self.amqp_url:
                raise ValueError("FORUM_AMQP_URL is required in production")
        return self

    def database_url_for(self, service: str) -> str:
        """The service's own database: FORUM_DATABASE_URL, else an SQLite file of its own."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / (service + '.db')}"
