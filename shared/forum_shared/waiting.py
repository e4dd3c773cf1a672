"""Waiting and stopping in background loops without ever losing a cancellation.

Before Python 3.12, `asyncio.wait_for` returns normally when the future it waits on completes
in the same loop iteration as the cancellation of the waiting task: the cancel is swallowed.
A background loop (`while True: work; wait_for(wakeup, poll)`) that swallows its cancel runs
on forever, and the shutdown that awaits it hangs (seen once in CI, with a sender woken by a
commit as it was being stopped). `asyncio.timeout()` does not have the flaw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

# How long to wait for a cancelled task before cancelling it again.
RECANCEL_AFTER_S = 1.0


async def wait_for_wakeup(wakeup: asyncio.Event, seconds: float) -> None:
    """Return when `wakeup` is set or `seconds` have passed; the event is cleared either way."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wakeup.wait()
    wakeup.clear()


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel the tasks and wait until every one has ended, cancelling again any that
    carries on (a library below it swallowed the cancel) rather than waiting forever."""
    tasks = list(tasks)
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=RECANCEL_AFTER_S)
        for task in pending:
            log.warning("task %s ignored its cancellation; cancelling it again", task.get_name())
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:  # all are done here
            log.error("task %s ended with an error", task.get_name(), exc_info=task.exception())
