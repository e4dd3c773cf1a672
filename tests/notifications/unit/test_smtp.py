"""The SMTP URL, failure classification, back-off and rate limiting."""

from __future__ import annotations

import time
from datetime import timedelta

import aiosmtplib
import pytest
from forum_notifications.domain import retry_delay
from forum_notifications.smtp import (
    PermanentSendError,
    RateLimiter,
    SmtpConfig,
    TransientSendError,
    classify,
)


def test_plain_smtp_url() -> None:
    config = SmtpConfig.from_url("smtp://127.0.0.1:2525")
    assert (config.hostname, config.port, config.use_tls, config.start_tls) == (
        "127.0.0.1",
        2525,
        False,
        False,
    )
    assert config.username is None


def test_starttls_with_credentials() -> None:
    config = SmtpConfig.from_url("smtp://mailer:p%40ss@smtp.example.ru:587?starttls=true")
    assert config.start_tls and not config.use_tls
    assert (config.username, config.password, config.port) == ("mailer", "p@ss", 587)


def test_implicit_tls_defaults_to_465() -> None:
    config = SmtpConfig.from_url("smtps://smtp.example.ru?verify=false")
    assert config.use_tls and not config.start_tls and config.port == 465
    assert config.validate_certs is False


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="smtp://"):
        SmtpConfig.from_url("http://127.0.0.1:25")


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (aiosmtplib.SMTPDataError(451, "try later"), TransientSendError),
        (aiosmtplib.SMTPDataError(550, "no such user"), PermanentSendError),
        (aiosmtplib.SMTPSenderRefused(421, "busy", "noreply@forum.test"), TransientSendError),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, "unknown", "x@example.ru")]
            ),
            PermanentSendError,
        ),
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), TransientSendError),
        (
            aiosmtplib.SMTPSenderRefused(530, "STARTTLS first", "noreply@forum.test"),
            TransientSendError,
        ),
        (aiosmtplib.SMTPDataError(554, "message rejected as spam"), PermanentSendError),
        (aiosmtplib.SMTPConnectError("refused"), TransientSendError),
        (aiosmtplib.SMTPTimeoutError("timed out"), TransientSendError),
        (ConnectionRefusedError(111, "refused"), TransientSendError),
        (TimeoutError(), TransientSendError),
    ],
)
def test_failures_are_sorted_into_transient_and_permanent(
    error: Exception, kind: type[Exception]
) -> None:
    assert type(classify(error)) is kind


def test_retry_delay_doubles_up_to_the_cap() -> None:
    base, cap = timedelta(seconds=1), timedelta(seconds=10)
    delays = [retry_delay(n, base=base, cap=cap).total_seconds() for n in range(1, 7)]
    assert delays == [1, 2, 4, 8, 10, 10]


async def test_rate_limiter_spaces_sends() -> None:
    limiter = RateLimiter(rate_per_s=50)
    started = time.monotonic()
    for _ in range(11):
        await limiter.acquire()
    assert time.monotonic() - started >= 0.19  # 10 intervals of 20 ms
