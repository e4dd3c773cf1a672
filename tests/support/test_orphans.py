"""A killed run's processes are found and killed by the next run; live runs' are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.support import orphans


def _ended_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


def _sleeper(owner: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, orphans.RUN_OWNER: str(owner)}
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], env=env)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds processes through /proc")
def test_processes_of_an_ended_run_are_killed_and_a_live_runs_are_not() -> None:
    orphan = _sleeper(owner=_ended_pid())
    ours = _sleeper(owner=int(os.environ.get(orphans.RUN_OWNER, os.getpid())))
    alive_owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    other_live_run = _sleeper(owner=alive_owner.pid)
    try:
        deadline = time.monotonic() + 10
        while orphan.pid not in orphans.orphans_of_ended_runs():
            assert time.monotonic() < deadline, "the orphan was never found"
            time.sleep(0.05)
        killed = orphans.kill_orphans_of_ended_runs()
        assert orphan.pid in killed
        assert {ours.pid, other_live_run.pid, alive_owner.pid}.isdisjoint(killed)
        assert orphan.wait(10) == -9
        assert ours.poll() is None and other_live_run.poll() is None
    finally:
        for process in (orphan, ours, alive_owner, other_live_run):
            process.kill()
            process.wait(10)
