"""SMTP delivery over aiosmtplib, configured from one URL, with failures sorted by kind.

`FORUM_SMTP_URL`:
- `smtp://host:port` — plain SMTP (no STARTTLS even if offered);
- `smtp://host:port?starttls=true` — upgrade with STARTTLS (refuse to send if it fails);
- `smtps://host:port` — implicit TLS (port 465 by default);
- `user:password@` in any of them — AUTH; `?verify=false` — accept a self-signed certificate.

A 4xx reply, a timeout or a refused/dropped connection is transient (retry later); a 5xx reply
to the message is permanent. Authentication and "STARTTLS first" refusals are transient on
purpose: a wrong password or URL is an operator's mistake to fix, not a reason to give up on
every email.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from forum_notifications.mime import WireMessage

_TRUE = ("1", "true", "yes", "on")
# 5xx replies about our session, not the message (STARTTLS or AUTH required, auth failed,
# encryption required): a setting to fix, so the email waits instead of failing for good.
REFUSES_US = frozenset({530, 534, 535, 538})


class TransientSendError(Exception):
    """Try again later."""


class PermanentSendError(Exception):
    """The server refused this message for good."""


@dataclass(frozen=True)
class SmtpConfig:
    hostname: str
    port: int
    use_tls: bool = False
    start_tls: bool = False
    username: str | None = None
    password: str | None = None
    validate_certs: bool = True

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"FORUM_SMTP_URL must start with smtp:// or smtps://, got {url!r}")
        query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
        use_tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname or "127.0.0.1",
            port=parts.port or (465 if use_tls else 25),
            use_tls=use_tls,
            start_tls=not use_tls and query.get("starttls", "false") in _TRUE,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            validate_certs=query.get("verify", "true") in _TRUE,
        )


def classify(error: BaseException) -> Exception:
    """Map an aiosmtplib/network failure to a transient or permanent send error."""
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return TransientSendError(f"authentication failed: {error}")
    if isinstance(error, aiosmtplib.SMTPResponseException) and error.code in REFUSES_US:
        return TransientSendError(f"the server refuses our session: {error.code} {error.message}")
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in error.recipients]
        if codes and all(500 <= c < 600 for c in codes):
            return PermanentSendError(f"recipient refused: {error.recipients[0]}")
        return TransientSendError(f"recipient deferred: {error}")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        kind = PermanentSendError if 500 <= error.code < 600 else TransientSendError
        return kind(f"{error.code} {error.message}")
    return TransientSendError(f"{type(error).__name__}: {error}")


class RateLimiter:
    """At most `rate` sends a second from this process, spaced evenly."""

    def __init__(self, rate_per_s: float) -> None:
        self._interval = 1.0 / rate_per_s
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)


async def _send(client: aiosmtplib.SMTP, message: WireMessage) -> None:
    await client.sendmail(message.mail_from, [message.recipient], message.data)


class SmtpTransport:
    """Sends messages over a small pool of reused SMTP connections (one per concurrent send)."""

    def __init__(self, config: SmtpConfig, *, timeout_s: float) -> None:
        self.config = config
        self.timeout_s = timeout_s
        self._idle: list[aiosmtplib.SMTP] = []

    async def send(self, message: WireMessage) -> None:
        client = self._idle.pop() if self._idle else None
        if client is not None:
            try:
                async with asyncio.timeout(self.timeout_s):
                    await _send(client, message)
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                # The server closed an idle connection: not a failure of this message.
                await self._discard(client)
            except Exception as error:
                await self._discard(client)
                raise classify(error) from error
            else:
                self._idle.append(client)
                return
        client = None
        try:
            client = await self._connect()
            async with asyncio.timeout(self.timeout_s):
                await _send(client, message)
        except Exception as error:
            await self._discard(client)
            raise classify(error) from error
        self._idle.append(client)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            await self._discard(client)

    async def _connect(self) -> aiosmtplib.SMTP:
        c = self.config
        client = aiosmtplib.SMTP(
            hostname=c.hostname,
            port=c.port,
            use_tls=c.use_tls,
            start_tls=c.start_tls,
            validate_certs=c.validate_certs,
            username=c.username,
            password=c.password,
            timeout=self.timeout_s,
        )
        await client.connect()
        return client

    @staticmethod
    async def _discard(client: aiosmtplib.SMTP | None) -> None:
        if client is None or not client.is_connected:
            return
        try:
            async with asyncio.timeout(2):
                await client.quit()
        except Exception:
            client.close()
