import json
import logging
import uuid

import pytest
from forum_shared.links import manage_token, token_matches
from forum_shared.logging import JsonFormatter, event_id_var, mask_personal_data
from forum_shared.settings import ForumSettings


def test_emails_and_phones_are_masked() -> None:
    masked = mask_personal_data("Иван ivan.petrov@example.ru +7 (999) 123-45-67 registered")
    assert "ivan.petrov" not in masked
    assert "123-45" not in masked
    assert "i***@example.ru" in masked
    assert "registered" in masked


def test_json_log_lines_carry_the_event_id_and_hide_personal_data() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "sent to %s", ("a.b@c.ru",), None)
    token = event_id_var.set("evt-1")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        event_id_var.reset(token)
    assert line["event_id"] == "evt-1"
    assert "a.b@c.ru" not in line["message"]


def test_manage_tokens_are_bound_to_registration_and_generation() -> None:
    first, other = uuid.uuid4(), uuid.uuid4()
    token = manage_token("secret", first, 1)
    assert token_matches("secret", first, 1, token)
    assert not token_matches("secret", first, 2, token)
    assert not token_matches("secret", other, 1, token)
    assert not token_matches("other-secret", first, 1, token)
    assert len(token) >= 40


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ValueError, match="FORUM_ADMIN_TOKEN"):
        ForumSettings(env="production", amqp_url="amqp://x")
    ok = ForumSettings(
        env="production", amqp_url="amqp://x", admin_token="a" * 40, secret_key="s" * 40
    )
    assert ok.env == "production"


def test_settings_come_from_forum_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORUM_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("FORUM_PREFETCH_COUNT", "7")
    settings = ForumSettings()
    assert settings.smtp_url == "smtp://127.0.0.1:2525"
    assert settings.prefetch_count == 7
    assert settings.database_url_for("schedule").endswith("var/schedule.db")


def test_manage_tokens_and_bearer_tokens_never_reach_the_logs() -> None:
    masked = mask_personal_data(
        "GET /manage/abc?token=hZxgKj1FSoJHUqOBAvcMKzoLXs9o&lang=ru Authorization: Bearer s3cr3t.x"
    )
    assert "hZxgKj1" not in masked
    assert "s3cr3t" not in masked
    assert "token=***&lang=ru" in masked


def test_badge_codes_are_signed_and_read_back() -> None:
    from forum_shared.links import badge_code, read_badge

    registration_id = uuid.uuid4()
    code = badge_code("secret", registration_id)
    assert code.startswith(f"PEV1:{registration_id}:")
    assert read_badge("secret", code) == registration_id
    assert read_badge("other-secret", code) is None
    assert read_badge("secret", code[:-2] + "xx") is None
    assert read_badge("secret", "garbage") is None
