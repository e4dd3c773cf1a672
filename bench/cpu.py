"""CPU time per process group, read from /proc: what each stage of a registration costs.

Throughput on a shared 2-core box moves with everything else running on it; the CPU seconds
each process spends per registration do much less, and their sum says how many
registrations per second two cores could carry at best.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

TICKS = os.sysconf("SC_CLK_TCK")
# Processes found by their command name, whoever started them.
BY_COMMAND = {"PostgreSQL": ("postgres",), "RabbitMQ": ("beam.smp",)}


def cpu_seconds(pid: int, *, with_reaped_children: bool = False) -> float:
    """utime + stime of a process (0 once it is gone); with the CPU of the children it has
    reaped (cutime + cstime) if asked."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def _by_command() -> dict[str, float]:
    totals = dict.fromkeys(BY_COMMAND, 0.0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as comm:
                name = comm.read().strip()
        except OSError:
            continue
        for group, commands in BY_COMMAND.items():
            if name in commands:
                # A PostgreSQL backend that ends takes its CPU time out of the sum of live
                # processes; the postmaster reaps it, so its cutime carries that time on.
                totals[group] += cpu_seconds(int(entry), with_reaped_children=True)
    return totals


@dataclass
class CpuMeter:
    """CPU seconds of named pid groups and of PostgreSQL/RabbitMQ since `start()`.

    PostgreSQL and RabbitMQ are the machine's own servers, so whatever else uses them
    while the meter runs is counted too (the run says so)."""

    groups: dict[str, list[int]]
    _start: dict[str, float] | None = None

    def _now(self) -> dict[str, float]:
        totals = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in self.groups.items()}
        return totals | _by_command()

    def start(self) -> CpuMeter:
        self._start = self._now()
        return self

    def spent(self) -> dict[str, float]:
        assert self._start is not None, "start() first"
        now = self._now()
        return {name: now[name] - self._start.get(name, 0.0) for name in now}
