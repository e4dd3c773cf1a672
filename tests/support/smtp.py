"""A real SMTP server (aiosmtpd) that records what it receives and can misbehave on purpose."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def _free_port() -> int:
    # aiosmtpd's readiness check connects to the configured port, so port 0 cannot be used.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ReceivedMail:
    mail_from: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    received: list[ReceivedMail] = field(default_factory=list)
    fail_next: int = 0
    fail_reply: str = "451 4.3.0 Try again later"
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_reply
            self.received.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 OK"


class SmtpSink:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=_free_port())

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def port(self) -> int:
        return int(self._controller.server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[ReceivedMail]:
        with self.handler.lock:
            return list(self.handler.received)

    def fail_next(self, count: int, reply: str = "451 4.3.0 Try again later") -> None:
        with self.handler.lock:
            self.handler.fail_next = count
            self.handler.fail_reply = reply

    async def wait_for(self, count: int, within_s: float = 15.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            await asyncio.sleep(0.05)
        raise AssertionError(f"expected {count} emails, got {len(self.messages)} in {within_s} s")
