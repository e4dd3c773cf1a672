"""The rate limiter's window and the registration settings."""

from __future__ import annotations

import logging

import pytest
from forum_registration import redaction
from forum_registration.config import RegistrationSettings
from forum_registration.ratelimit import RateLimiter


def test_sliding_window_allows_n_per_minute_and_says_how_long_to_wait() -> None:
    now = [1000.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    assert limiter.hit("a") == 60
    assert limiter.hit("b") is None  # keys are counted apart
    now[0] += 30
    assert limiter.hit("a") == 30
    now[0] += 30.5
    assert limiter.hit("a") is None


def test_zero_turns_limiting_off() -> None:
    limiter = RateLimiter(0)
    assert all(limiter.hit("a") is None for _ in range(1000))


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORUM_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("FORUM_RATE_LIMIT_PER_MINUTE", "0")
    extras = RegistrationSettings()
    assert extras.cors_origins == ["https://a.example", "https://b.example"]
    assert extras.effective_rate_limit("production") == 0
    monkeypatch.delenv("FORUM_RATE_LIMIT_PER_MINUTE")
    assert RegistrationSettings().effective_rate_limit("production") == 30
    assert RegistrationSettings().effective_rate_limit("dev") == 0


def test_manage_tokens_never_reach_the_access_log(caplog: pytest.LogCaptureFixture) -> None:
    redaction.install("test.access")
    with caplog.at_level(logging.INFO, logger="test.access"):
        logging.getLogger("test.access").info(
            '%s - "%s %s HTTP/1.1" %d',
            "127.0.0.1",
            "GET",
            "/v1/registrations/1b2c?token=SECRET-abc_123&lang=en",
            200,
        )
    assert "SECRET" not in caplog.text
    assert "token=***&lang=en" in caplog.text
