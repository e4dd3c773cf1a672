"""Webhook rules without I/O: filters, delivery ids, the signature, the back-off schedule."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from forum_shared.messaging.memory import topic_matches

# uuid5 namespace of delivery ids: uuid5(NS, "<endpoint id>:<event id>").
DELIVERY_NAMESPACE = uuid.UUID("5d7c3a5e-3f0e-4c61-9a55-2b7f4f1d9e10")
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
_WORD = r"(\*|#|[a-z0-9_]+)"
FILTER_PATTERN = re.compile(rf"^{_WORD}(\.{_WORD})*$")


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class AttemptOutcome(StrEnum):
    DELIVERED = "delivered"
    RETRIED = "retried"
    FAILED = "failed"
    GONE = "gone"  # 410: the endpoint is disabled


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def delivery_id(endpoint_id: uuid.UUID, event_id: uuid.UUID) -> uuid.UUID:
    """The same id for an event and an endpoint on every attempt and replay: receivers dedupe."""
    return uuid.uuid5(DELIVERY_NAMESPACE, f"{endpoint_id}:{event_id}")


def filter_problem(pattern: str) -> str | None:
    """Why a routing-key pattern is not a valid filter, or None."""
    if not FILTER_PATTERN.fullmatch(pattern):
        return (
            f"фильтр {pattern!r}: слова из a-z, 0-9, _ или * и #, через точку "
            f"/ filter {pattern!r}: words of a-z, 0-9, _ or * and #, separated by dots"
        )
    return None


def url_problem(url: str) -> str | None:
    """Why a URL cannot be a webhook endpoint (only absolute http(s) URLs can), or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "некорректный URL / not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "нужен адрес http:// или https:// / only http:// and https:// URLs are accepted"
    if not host:
        return "в адресе нет хоста / the URL has no host"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "в адресе пробелы или управляющие символы / spaces or control characters in URL"
    return None


def matches(
    filters: list[str], endpoint_forum: str | None, event_type: str, event_forum: str | None
) -> bool:
    """AMQP topic semantics: `*` is one word, `#` zero or more; the forum filter is exact."""
    if endpoint_forum is not None and endpoint_forum != event_forum:
        return False
    return any(topic_matches(pattern, event_type) for pattern in filters)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`Forum-Signature` value: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class RetrySchedule:
    """Exponential back-off from `base` doubling up to `cap`, for `give_up_after` in total."""

    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(hours=1)
    give_up_after: timedelta = timedelta(hours=24)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt (1, 2, …)."""
        exponent = min(max(attempts - 1, 0), 40)
        delay: timedelta = min(self.base * (2**exponent), self.cap)
        return delay

    def next_attempt(self, attempts: int, now: datetime, retry_until: datetime) -> datetime | None:
        """When to try again (the last try at `retry_until`), or None once it has passed."""
        if now >= retry_until:
            return None
        return min(now + self.delay(attempts), retry_until)
