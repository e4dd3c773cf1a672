"""`Idempotency-Key`: a retried request gets the first answer instead of a second effect.

A key is claimed in its own short transaction (a unique primary key settles races: the loser
sees the claim and answers 409 while it runs). The successful answer is stored in the SAME
transaction as the registration, so there is never a registration without its stored answer.
Refusals are not stored: they created nothing, so a retry may as well re-evaluate them.
The stored body never holds the manage token; a replay derives it again from the generation.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum_registration.domain import RegistrationError
from forum_registration.models import IdempotencyRow
from forum_registration.repository import aware

log = logging.getLogger(__name__)

KEEP_FOR = timedelta(hours=24)
# A claim older than this belongs to a request that died (requests time out well before).
ABANDONED_AFTER = timedelta(minutes=2)
MAX_KEY_LENGTH = 200
PURGE_EVERY_S = 3600.0


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: dict[str, Any]


class IdempotencyKeys:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def claim(self, key: str, request_hash: str, now: datetime) -> StoredAnswer | None:
        """Claim the key for this request, or return the answer a first request got.

        Raises `idempotency_in_progress` while the first one runs and `idempotency_mismatch`
        when the key was used for a different request.
        """
        if not key or len(key) > MAX_KEY_LENGTH:
            raise RegistrationError("idempotency_key_invalid", limit=MAX_KEY_LENGTH)
        async with self._session_factory() as session:
            try:
                session.add(
                    IdempotencyRow(
                        key=key, request_hash=request_hash, state="running", created_at=now
                    )
                )
                await session.commit()
                return None
            except IntegrityError:
                await session.rollback()
            row = await session.get(IdempotencyRow, key, with_for_update=True)
            if row is None:  # deleted meanwhile (an abandoned claim): claim it now
                session.add(
                    IdempotencyRow(
                        key=key, request_hash=request_hash, state="running", created_at=now
                    )
                )
                await session.commit()
                return None
            age = now - (aware(row.created_at) or now)
            expired = age >= (KEEP_FOR if row.state == "done" else ABANDONED_AFTER)
            if expired:
                row.request_hash, row.state, row.created_at = request_hash, "running", now
                row.status_code = row.response_body = None
                await session.commit()
                return None
            if row.request_hash != request_hash:
                raise RegistrationError("idempotency_mismatch")
            if row.state != "done" or row.response_body is None or row.status_code is None:
                raise RegistrationError("idempotency_in_progress")
            return StoredAnswer(row.status_code, json.loads(row.response_body))

    async def release(self, key: str) -> None:
        """Forget a claim whose request created nothing (a refusal or a failure)."""
        async with self._session_factory() as session:
            await session.execute(
                delete(IdempotencyRow).where(
                    IdempotencyRow.key == key, IdempotencyRow.state == "running"
                )
            )
            await session.commit()

    async def run(self) -> None:
        """Background loop: forget answers older than 24 h, once an hour."""
        while True:
            purged = await self.purge_expired(datetime.now(UTC))
            if purged:
                log.info("forgot %d idempotency keys older than 24 h", purged)
            await asyncio.sleep(PURGE_EVERY_S)

    async def purge_expired(self, now: datetime) -> int:
        async with self._session_factory() as session:
            result = await session.execute(
                delete(IdempotencyRow).where(IdempotencyRow.created_at < now - KEEP_FOR)
            )
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)


def _claim(key: str, request_hash: str, now: datetime) -> IdempotencyRow:
    return IdempotencyRow(key=key, request_hash=request_hash, state="running", created_at=now)


async def store_answer(
    session: AsyncSession, key: str, status_code: int, body: dict[str, Any]
) -> None:
    """Within the use case's transaction: the answer commits with the effect it describes."""
    await session.execute(
        update(IdempotencyRow)
        .where(IdempotencyRow.key == key)
        .values(state="done", status_code=status_code, response_body=json.dumps(body))
    )
