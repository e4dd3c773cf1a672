"""What must hold after every fault: nothing lost, nothing sent twice, consumers back.

- every registration the burst was told about is stored (read from the registration
  service's database: its API has no listing);
- the SMTP server got exactly one confirmation per registration, with distinct Message-IDs;
- every work queue has a consumer again (passive declare through aio-pika) and each service
  answers `/health/ready` with 200.
"""

from __future__ import annotations

import asyncio
import email.policy
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from typing import Any

import aio_pika
import asyncpg
import httpx

from tests.support.smtp import ReceivedMail, SmtpSink


def plain_dsn(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://")


async def _fetch(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(plain_dsn(database_url), timeout=10)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


async def stored_emails(
    registration_url: str, admin_token: str, forum_code: str, *, registration_db: str
) -> tuple[list[str], str]:
    """Emails of the forum's stored registrations and where they were read from.

    From the organisers' listing (`GET /v1/forums/{code}/registrations`, paged) when the
    service has it; else straight from its database.
    """
    emails: list[str] = []
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:
        url = f"{registration_url}/v1/forums/{forum_code}/registrations"
        while True:
            page = await http.get(url, params={"limit": 500, "offset": len(emails)})
            if page.status_code in (404, 405) and not emails:
                rows = await _fetch(
                    registration_db,
                    "SELECT email FROM registrations WHERE forum_code = $1",
                    forum_code,
                )
                return [str(row["email"]) for row in rows], "database"
            assert page.status_code == 200, page.text
            body = page.json()
            emails.extend(item["email"] for item in body["items"])
            if not body["items"] or len(emails) >= int(body["total"]):
                return emails, "api"


async def unsent_emails(notifications_db: str, forum_code: str) -> int | None:
    """Email rows of the forum not yet settled (sent or failed); None if unreadable."""
    try:
        rows = await _fetch(
            notifications_db,
            "SELECT count(*) AS n FROM emails WHERE forum_code = $1 AND status = 'queued'",
            forum_code,
        )
    except (OSError, asyncpg.PostgresError):
        return None
    return int(rows[0]["n"])


async def wait_replica_forum(notifications_db: str, code: str, *, within_s: float) -> bool:
    """Until the notifications service's forum replica holds the forum (read from its DB)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            rows = await _fetch(notifications_db, "SELECT 1 FROM forums WHERE code = $1", code)
        except (OSError, asyncpg.PostgresError):
            rows = []
        if rows:
            return True
        await asyncio.sleep(0.1)
    return False


async def email_rows(notifications_db: str, message_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Diagnostics: the notifications service's rows behind some Message-IDs."""
    try:
        rows = await _fetch(
            notifications_db,
            "SELECT message_id, status, attempts, last_error, created_at, next_attempt_at,"
            " sent_at, claim_token FROM emails WHERE message_id = ANY($1::text[])",
            list(message_ids),
        )
    except (OSError, asyncpg.PostgresError) as error:
        return [{"error": repr(error)}]
    return [{k: str(v) for k, v in dict(row).items()} for row in rows]


_HEADERS = BytesHeaderParser(policy=email.policy.default)
_MESSAGE_IDS: dict[int, tuple[bytes, str]] = {}


def message_id_of(mail: ReceivedMail) -> str:
    """The Message-ID header, parsed once per message (headers only: thousands are checked)."""
    cached = _MESSAGE_IDS.get(id(mail.raw))
    if cached is None or cached[0] is not mail.raw:
        cached = (mail.raw, str(_HEADERS.parsebytes(mail.raw)["Message-ID"]))
        _MESSAGE_IDS[id(mail.raw)] = cached
    return cached[1]


@dataclass
class MailReport:
    expected: set[str]
    mails: list[ReceivedMail] = field(default_factory=list)

    @property
    def ours(self) -> list[ReceivedMail]:
        return [m for m in self.mails if not self.expected.isdisjoint(m.recipients)]

    @property
    def per_recipient(self) -> Counter[str]:
        return Counter(r for m in self.ours for r in m.recipients if r in self.expected)

    @property
    def message_ids(self) -> Counter[str]:
        return Counter(message_id_of(m) for m in self.ours)

    @property
    def missing(self) -> set[str]:
        return self.expected - set(self.per_recipient)

    @property
    def repeated_message_ids(self) -> dict[str, int]:
        return {mid: n for mid, n in self.message_ids.items() if n > 1}

    @property
    def recipients_with_distinct_ids(self) -> dict[str, int]:
        """Recipients who got more than one *different* Message-ID (a true duplicate email)."""
        ids: dict[str, set[str]] = {}
        for mail in self.ours:
            for rcpt in mail.recipients:
                ids.setdefault(rcpt, set()).add(message_id_of(mail))
        return {r: len(v) for r, v in ids.items() if len(v) > 1}

    def summary(self) -> dict[str, Any]:
        ids = self.message_ids
        return {
            "expected": len(self.expected),
            "received": sum(ids.values()),
            "distinct_recipients": len(self.per_recipient),
            "distinct_message_ids": len(ids),
            "missing": len(self.missing),
            "repeated_message_ids": sum(1 for n in ids.values() if n > 1),
            "recipients_with_two_ids": len(self.recipients_with_distinct_ids),
        }


async def wait_for_mail(
    sink: SmtpSink, expected: Iterable[str], *, within_s: float
) -> tuple[MailReport, float]:
    """Poll the sink until every expected recipient has mail (or time runs out)."""
    started = time.monotonic()
    report = MailReport(set(expected))
    while True:
        report.mails = sink.messages
        if not report.missing or time.monotonic() - started > within_s:
            return report, time.monotonic() - started
        await asyncio.sleep(0.1)


async def wait_settled(
    notifications_db: str, forum_code: str, *, within_s: float
) -> tuple[bool, float]:
    """Wait until the notifications service holds no queued email of the forum.

    A row whose SMTP 250 was not recorded (a crash or a lost commit) stays queued until its
    lease runs out and is then sent again: waiting for this is what lets a repeat show up.
    """
    started = time.monotonic()
    while time.monotonic() - started < within_s:
        left = await unsent_emails(notifications_db, forum_code)
        if left == 0:
            return True, time.monotonic() - started
        await asyncio.sleep(0.2)
    return False, time.monotonic() - started


async def queue_consumers(amqp_url: str, queues: Iterable[str]) -> dict[str, int]:
    connection = await aio_pika.connect(amqp_url, timeout=5)
    try:
        channel = await connection.channel()
        counts = {}
        for name in queues:
            queue = await channel.declare_queue(name, passive=True)
            counts[name] = int(queue.declaration_result.consumer_count or 0)
        return counts
    finally:
        await connection.close()


async def wait_consumers(
    amqp_url: str, queues: Iterable[str], *, within_s: float = 30
) -> tuple[dict[str, int], float]:
    """Until every queue has a consumer; returns the last counts and the seconds taken."""
    names = list(queues)
    started = time.monotonic()
    counts: dict[str, int] = {}
    while True:
        try:
            counts = await queue_consumers(amqp_url, names)
        except Exception as error:  # broker still coming back
            counts = {"error": 0, type(error).__name__: 0}
        if names and all(counts.get(n, 0) > 0 for n in names):
            return counts, time.monotonic() - started
        if time.monotonic() - started > within_s:
            return counts, time.monotonic() - started
        await asyncio.sleep(0.25)


async def wait_ready(urls: dict[str, str], *, within_s: float = 30) -> tuple[dict[str, int], float]:
    """Until every service's `/health/ready` answers 200; returns the last statuses."""
    started = time.monotonic()
    statuses: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=5) as http:
        while True:
            for name, url in urls.items():
                try:
                    statuses[name] = (await http.get(f"{url}/health/ready")).status_code
                except httpx.HTTPError:
                    statuses[name] = 0
            if all(code == 200 for code in statuses.values()):
                return statuses, time.monotonic() - started
            if time.monotonic() - started > within_s:
                return statuses, time.monotonic() - started
            await asyncio.sleep(0.25)
