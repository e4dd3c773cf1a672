"""When pytest-timeout stops a hung async test, say which coroutines were stuck and where.

pytest-timeout dumps the stacks of threads, but an async test hangs inside the event loop's
`select()`: the thread stack shows nothing useful. This wraps its SIGALRM handler so that the
await chain of every asyncio task still pending is printed instead (it lands in the test's captured
output, right after the failure).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

import pytest


def print_pending_tasks() -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        print("hang report: no event loop running in the main thread", file=sys.stdout)
        return
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    print(f"hang report: {len(tasks)} pending asyncio task(s)", file=sys.stdout)
    for task in tasks:
        print(f"--- {task.get_name()}", file=sys.stdout)
        for line in await_chain(task.get_coro()):
            print(f"    {line}", file=sys.stdout)


def await_chain(awaitable: Any) -> Iterator[str]:
    """Where a suspended coroutine waits, down through everything it awaits."""
    depth = 0
    while awaitable is not None and depth < 40:
        frame = getattr(awaitable, "cr_frame", None) or getattr(awaitable, "gi_frame", None)
        frame = frame or getattr(awaitable, "ag_frame", None)
        if frame is None:
            yield repr(awaitable)[:200]
            return
        where = frame.f_code.co_filename.rsplit("site-packages/", 1)[-1]
        yield f"{where}:{frame.f_lineno} in {frame.f_code.co_name}"
        awaitable = (
            getattr(awaitable, "cr_await", None)
            or getattr(awaitable, "gi_yieldfrom", None)
            or getattr(awaitable, "ag_await", None)
        )
        depth += 1


@pytest.hookimpl(hookwrapper=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> Iterator[None]:
    yield
    handler = signal.getsignal(signal.SIGALRM)
    if not callable(handler):
        return  # the thread method, or no timeout at all

    def report_then_fail(signum: int, frame: FrameType | None) -> None:
        __tracebackhide__ = True
        print_pending_tasks()
        # Not pytest-timeout's own handler: its dump of idle threads would push this report
        # out of the few lines a CI log excerpt keeps.
        pytest.fail(f"Timeout (>{settings.timeout}s), pending tasks in the captured stdout")

    signal.signal(signal.SIGALRM, report_then_fail)
