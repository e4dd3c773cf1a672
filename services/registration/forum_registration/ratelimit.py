"""A sliding-window rate limit per key, in memory (per process: several replicas each count
their own share, which a load balancer spreads evenly enough for abuse control)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 60.0


class RateLimiter:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._calls = 0

    def hit(self, key: str) -> int | None:
        """Count one request; None if allowed, else the seconds to wait (for Retry-After)."""
        if self.per_minute <= 0:
            return None
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW_S:
            hits.popleft()
        self._sweep(now)
        if len(hits) >= self.per_minute:
            return max(1, math.ceil(hits[0] + WINDOW_S - now))
        hits.append(now)
        return None

    def _sweep(self, now: float) -> None:
        # Forget idle keys now and then, so memory stays bounded by recent clients.
        self._calls += 1
        if self._calls % 1000:
            return
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - WINDOW_S]:
            del self._hits[key]
