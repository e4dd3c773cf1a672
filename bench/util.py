# ruff: noqa: S603 - the benchmark starts its own local tools
"""Small helpers the benchmark shares."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

# Every process this run starts, so that an interrupted run ends them all (by pid).
CHILDREN: list[subprocess.Popen[Any]] = []


def adopt(process: subprocess.Popen[Any]) -> subprocess.Popen[Any]:
    CHILDREN.append(process)
    return process


def end_children() -> None:
    for process in reversed(CHILDREN):
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 15
    for process in CHILDREN:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


BENCH_DIR = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(url: str, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not answering within {within_s} s")


def parse_wrk(output: str) -> dict[str, float]:
    """The `BENCH key=value …` lines our Lua scripts print."""
    fields: dict[str, float] = {}
    for line in output.splitlines():
        if not line.startswith("BENCH ") or line.startswith("BENCH statuses="):
            continue
        for pair in line[6:].split():
            key, _, value = pair.partition("=")
            fields[key] = float(value)
    return fields


def wrk_statuses(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("BENCH statuses="):
            return line.removeprefix("BENCH statuses=")
    return ""


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """(peak, current) resident set of a process, in MB, from /proc."""
    peak = current = 0.0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
            elif line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return peak, current


def run_adopted(
    command: list[str],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    done_file: Path | None = None,
) -> str:
    """subprocess.run(..., check=True).stdout, with the process adopted while it runs.

    With `done_file`: once that file appears the process gets SIGINT (wrk then stops and
    prints its summary; its `-d` is only the upper bound)."""
    process = adopt(
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
    )
    if done_file is not None:
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            if done_file.exists():
                process.send_signal(signal.SIGINT)
                break
            time.sleep(0.05)
    out, err = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {process.returncode}: {err[-2000:]}")
    return out
