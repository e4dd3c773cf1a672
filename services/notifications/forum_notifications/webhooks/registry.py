"""Which events some enabled webhook endpoint wants, known without a query per event.

The `notifications.webhooks` queue binds `#`: every event of the platform arrives there, and
usually no endpoint exists at all. The registry keeps the enabled endpoints' filters in
memory, reloads them once they are older than `max_age_s`, and reloads at once after this
process changed an endpoint through its API. The consumer asks it before opening a
transaction and acknowledges an event nobody wants without touching the database; an event
somebody wants still goes through the intake's own query of the endpoints.

The price: an endpoint created or enabled through another replica is seen here up to
`max_age_s` later, so it gets the events this replica consumes from then on (docs/webhooks.md).
Erasures always pass, so the bodies of settled deliveries are scrubbed whatever the filters.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from forum_shared.contracts import EventEnvelope
from forum_shared.contracts.registration import AttendeeErased
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.webhooks import repository
from forum_notifications.webhooks.domain import matches


class EndpointRegistry:
    def __init__(
        self,
        session_factory: Callable[[], AsyncSession],
        *,
        max_age_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session_factory = session_factory
        self._max_age_s = max_age_s
        self._clock = clock
        self._filters: list[tuple[list[str], str | None]] = []
        self._loaded_at: float | None = None
        self._generation = 0  # bumped by every invalidation, so a load racing one is not kept
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """This process changed an endpoint: the next event reloads the filters."""
        self._generation += 1
        self._loaded_at = None

    async def wants(self, envelope: EventEnvelope) -> bool:
        if envelope.type == AttendeeErased.event_type:
            return True
        return any(
            matches(filters, forum, envelope.type, envelope.forum)
            for filters, forum in await self._current()
        )

    def _fresh(self) -> bool:
        return self._loaded_at is not None and self._clock() - self._loaded_at < self._max_age_s

    async def _current(self) -> list[tuple[list[str], str | None]]:
        if self._fresh():
            return self._filters
        async with self._lock:
            if self._fresh():  # another event reloaded while this one waited
                return self._filters
            while True:
                generation, started = self._generation, self._clock()
                async with self._session_factory() as session:
                    self._filters = await repository.enabled_filters(session)
                if generation == self._generation:
                    self._loaded_at = started
                    return self._filters
