"""Background loops stop when cancelled, even when woken at the same moment."""

from __future__ import annotations

import asyncio
import contextlib
import sys

import pytest
from forum_shared import waiting
from forum_shared.waiting import cancel_and_wait, wait_for_wakeup


async def woken_and_cancelled_together(wait: object) -> asyncio.Task[None]:
    """A poll loop cancelled in the very loop iteration its wakeup is set; returns its task."""
    wakeup = asyncio.Event()

    async def poll_loop() -> None:
        while True:
            await wait(wakeup)  # type: ignore[operator]

    task = asyncio.create_task(poll_loop())
    await asyncio.sleep(0.01)  # the loop is now waiting
    wakeup.set()
    task.cancel()
    await asyncio.wait({task}, timeout=0.5)
    return task


async def test_a_poll_loop_cancelled_as_it_is_woken_stops() -> None:
    task = await woken_and_cancelled_together(lambda event: wait_for_wakeup(event, 10))
    assert task.cancelled()


@pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="shows an asyncio.wait_for flaw that Python 3.12 fixed"
)
async def test_asyncio_wait_for_would_swallow_that_cancel() -> None:
    # The flaw the helper exists for: the same scenario with asyncio.wait_for keeps running.
    async def old_wait(event: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), 10)
        event.clear()

    task = await woken_and_cancelled_together(old_wait)
    assert not task.done()
    await cancel_and_wait([task])
    assert task.cancelled()


async def test_the_wakeup_returns_at_the_deadline_and_is_cleared_when_set() -> None:
    wakeup = asyncio.Event()
    started = asyncio.get_running_loop().time()
    await wait_for_wakeup(wakeup, 0.05)
    assert asyncio.get_running_loop().time() - started >= 0.05
    wakeup.set()
    await wait_for_wakeup(wakeup, 10)
    assert not wakeup.is_set()


async def test_a_task_that_ignores_one_cancel_is_cancelled_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(waiting, "RECANCEL_AFTER_S", 0.05)
    ignored = 0

    async def stubborn() -> None:
        nonlocal ignored
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if ignored:
                    raise
                ignored += 1

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait([task]), 2)
    assert task.cancelled() and ignored == 1
