"""A burst of registrations over HTTP, and the checks every fault scenario ends with.

The driver posts N registrations with bounded concurrency, each with its own
`Idempotency-Key`. A connection error, a timeout or a 5xx is retried with the same key (the
first attempt may or may not have committed). Two answers to a retry mean "stored":

- a 201 (a first commit, or the stored answer replayed for the key);
- a 409 `duplicate_email` when an earlier attempt of this very request had been sent: it
  committed, but its answer was lost (no idempotency support, or a key the server forgot).

A 409 `idempotency_in_progress` means the key's first attempt still holds its claim. If the
process that claimed it was killed, the claim is abandoned but stays until the server expires
it, so after `in_progress_patience_s` the driver retries under a fresh key; the unique email
still tells a committed first attempt apart (409 `duplicate_email`). Such rotations are
counted and reported.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})


def attendee(tag: str, index: int) -> dict[str, Any]:
    return {
        "full_name": f"Участник Нагрузки {index:05d}",
        "email": f"{tag}-{index:05d}@faults.test",
        "organization": "АО «Волгоградский завод»",
        "region": "Волгоградская область",
        "category": "delegate",
        "locale": "ru",
        "consents": {"personal_data": True},
    }


@dataclass
class Outcome:
    email: str
    stored: bool = False
    status: int | None = None
    answer: str = ""
    attempts: int = 0
    key_rotations: int = 0
    stored_by: str = ""  # "201", "replay", "duplicate_email"
    latency_s: float = 0.0


@dataclass
class BurstResult:
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def stored(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.stored]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.stored]

    @property
    def retried(self) -> int:
        return sum(1 for o in self.outcomes if o.attempts > 1)

    def summary(self) -> dict[str, Any]:
        latencies = sorted(o.latency_s for o in self.outcomes)

        def pct(p: float) -> float:
            if not latencies:
                return 0.0
            return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 3)

        return {
            "posted": len(self.outcomes),
            "stored": len(self.stored),
            "failed": len(self.failed),
            "retried_requests": self.retried,
            "attempts": sum(o.attempts for o in self.outcomes),
            "stored_by": dict(Counter(o.stored_by for o in self.stored)),
            "key_rotations": sum(o.key_rotations for o in self.outcomes),
            "elapsed_s": round(self.elapsed_s, 2),
            "per_s": round(len(self.outcomes) / self.elapsed_s, 1) if self.elapsed_s else 0,
            "p50_s": pct(0.5),
            "p99_s": pct(0.99),
            "failures": Counter(f"{o.status} {o.answer[:80]}" for o in self.failed).most_common(5),
        }


async def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", ""))
    except ValueError:
        return ""


async def register_one(
    http: httpx.AsyncClient,
    url: str,
    body: dict[str, Any],
    *,
    deadline: float,
    in_progress_patience_s: float,
) -> Outcome:
    outcome = Outcome(email=body["email"])
    key = str(uuid.uuid4())
    key_since = time.monotonic()
    sent_before = False  # an attempt of this request may have reached the server
    started = time.monotonic()
    delay = 0.1
    while True:
        outcome.attempts += 1
        try:
            response = await http.post(url, json=body, headers={"Idempotency-Key": key})
        except (httpx.TransportError, httpx.TimeoutException) as error:
            outcome.status, outcome.answer = None, f"{type(error).__name__}: {error}"
            sent_before = True
        else:
            outcome.status = response.status_code
            code = await _error_code(response) if response.status_code >= 400 else ""
            outcome.answer = code or response.text[:200]
            if response.status_code == 201:
                outcome.stored = True
                replayed = response.headers.get("Idempotent-Replayed") == "true"
                outcome.stored_by = "replay" if replayed else "201"
                break
            if response.status_code == 409 and code == "duplicate_email" and sent_before:
                outcome.stored, outcome.stored_by = True, "duplicate_email"
                break
            if response.status_code == 409 and code == "idempotency_in_progress":
                if time.monotonic() - key_since > in_progress_patience_s:
                    key, key_since = str(uuid.uuid4()), time.monotonic()
                    outcome.key_rotations += 1
            elif response.status_code not in RETRYABLE_STATUS:
                break  # a refusal: final, reported as a failure
            sent_before = True
        if time.monotonic() + delay > deadline:
            break
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)
    outcome.latency_s = time.monotonic() - started
    return outcome


async def burst(
    base_url: str,
    forum_code: str,
    bodies: Sequence[dict[str, Any]],
    *,
    concurrency: int = 8,
    within_s: float = 120.0,
    request_timeout_s: float = 10.0,
    in_progress_patience_s: float = 5.0,
    progress: list[int] | None = None,
) -> BurstResult:
    """POST every body once (with retries) to `/v1/forums/{code}/registrations`.

    `progress`, if given, gets `[0]` bumped per finished registration so a scenario can
    inject its fault at a chosen point of the burst.
    """
    url = f"{base_url}/v1/forums/{forum_code}/registrations"
    deadline = time.monotonic() + within_s
    slots = asyncio.Semaphore(concurrency)
    result = BurstResult()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=request_timeout_s, limits=limits) as http:

        async def one(body: dict[str, Any]) -> Outcome:
            async with slots:
                outcome = await register_one(
                    http,
                    url,
                    body,
                    deadline=deadline,
                    in_progress_patience_s=in_progress_patience_s,
                )
            if progress is not None:
                progress[0] += 1
            return outcome

        result.outcomes = list(await asyncio.gather(*(one(b) for b in bodies)))
    result.elapsed_s = time.monotonic() - started
    return result


async def wait_progress(progress: list[int], at_least: int, within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    while progress[0] < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"burst stuck at {progress[0]} < {at_least}")
        await asyncio.sleep(0.02)
