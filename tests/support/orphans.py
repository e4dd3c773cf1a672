"""What a killed test run leaves behind, cleared by the next run.

The fault and end-to-end tiers start service processes and private RabbitMQ and PostgreSQL
nodes (some in sessions of their own, so that a signal to the test's process group does not
reach them). A run stopped with SIGKILL, or a CI job cancelled, never reaches the fixtures'
tear-down, and its nodes would go on using CPU and ports. Every process a run starts inherits
`FORUM_TEST_RUN_PID` from it; the next run kills those whose run has ended.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

RUN_OWNER = "FORUM_TEST_RUN_PID"
_PROC = Path("/proc")


def mark_this_run() -> None:
    """Every process started from here on carries the run's pid (an outer run's, if nested)."""
    os.environ.setdefault(RUN_OWNER, str(os.getpid()))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_of(process_dir: Path) -> int | None:
    try:
        environ = (process_dir / "environ").read_bytes()
    except OSError:
        return None
    prefix = f"{RUN_OWNER}=".encode()
    for variable in environ.split(b"\0"):
        if variable.startswith(prefix):
            with contextlib.suppress(ValueError):
                return int(variable[len(prefix) :])
    return None


def orphans_of_ended_runs() -> list[int]:
    """Pids of processes whose test run is no longer alive (none where there is no /proc)."""
    if not _PROC.is_dir():
        return []
    current = int(os.environ.get(RUN_OWNER, os.getpid()))
    orphans = []
    for process_dir in _PROC.iterdir():
        if not process_dir.name.isdigit() or int(process_dir.name) == os.getpid():
            continue
        owner = _owner_of(process_dir)
        # A reused pid makes an ended run look alive: then its processes are left alone.
        if owner is not None and owner != current and not _alive(owner):
            orphans.append(int(process_dir.name))
    return orphans


def kill_orphans_of_ended_runs() -> list[int]:
    killed = orphans_of_ended_runs()
    for pid in killed:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return killed
