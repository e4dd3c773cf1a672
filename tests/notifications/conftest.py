"""Fixtures for the notifications tests.

`smtp_sink` is overridden here because the shared one cannot start: aiosmtpd's `Controller`
checks readiness by connecting to its configured port, and port 0 ("any free port") refuses.
We pick a free port first and hand it to the same `SmtpSink`. (Reported to the lead.)
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.support.smtp import SmtpSink


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink._controller = Controller(sink.handler, hostname="127.0.0.1", port=_free_port())
    sink.start()
    yield sink
    sink.stop()
