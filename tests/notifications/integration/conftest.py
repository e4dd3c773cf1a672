"""Settings for the notifications service against the test's RabbitMQ, PostgreSQL and SMTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from forum_shared.settings import ForumSettings

from tests.notifications.factories import MAIL_FROM
from tests.support.smtp import SmtpSink

# A registration may overtake its forum (two queues): leave the forum event time to land
# even on a loaded machine before the registration is dead-lettered.
RETRIES = [200, 500, 1000, 2000, 4000]


@pytest.fixture
def settings(
    make_settings: Callable[..., ForumSettings],
    amqp_url: str,
    database_url: str,
    smtp_sink: SmtpSink,
) -> ForumSettings:
    return make_settings(
        amqp_url=amqp_url,
        database_url=database_url,
        smtp_url=smtp_sink.url,
        mail_from=MAIL_FROM,
        retry_delays_ms=RETRIES,
    )
