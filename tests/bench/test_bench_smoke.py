"""`python -m bench --smoke` runs the whole benchmark small: it must finish and print the
table with every row, every registration it created emailed exactly once and every holder
of the changed session sent a digest. No timing is asserted (the machine is shared)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import unavailable

# Under a minute on a quiet machine; the bound leaves room for a shared, busy one.
BOUND_S = 420
pytestmark = [pytest.mark.integration, pytest.mark.timeout(BOUND_S + 90)]

ROOT = Path(__file__).resolve().parents[2]
ROWS = (
    "CEILING broker",
    "CEILING PostgreSQL",
    "CEILING SMTP",
    "CEILING HTTP",
    "registrations accepted/s",
    "HTTP latency under saturation",
    "registration → confirmation email, emails/s",
    "confirmation latency p50/p95/p99 (saturation)",
    "confirmation latency p50/p95/p99 at",
    "release → all",
    "peak RSS schedule",
    "peak RSS registration",
    "peak RSS notifications",
    "accounted: confirmations / registrations stored",
    "accounted: digests / session holders",
)


def table_row(output: str, label: str) -> list[str]:
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].startswith(label):
            return cells
    raise AssertionError(f"no row {label!r} in:\n{output}")


def test_the_smoke_benchmark_prints_the_whole_table_with_every_email_accounted_for(
    tmp_path: Path,
) -> None:
    for variable in ("FORUM_TEST_AMQP_URL", "FORUM_TEST_DATABASE_URL"):
        if not os.environ.get(variable):
            unavailable(f"the benchmark needs a local broker and database: set {variable}")
    if not shutil.which("rabbitmqctl"):
        unavailable("the benchmark makes its vhost with rabbitmqctl")
    bench = subprocess.Popen(
        [sys.executable, "-m", "bench", "--smoke", "--log-dir", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        output, errors = bench.communicate(timeout=BOUND_S)
    except subprocess.TimeoutExpired:
        bench.send_signal(signal.SIGTERM)  # it stops its stack and drops what it made
        output, errors = bench.communicate(timeout=60)
        raise AssertionError(f"not done within {BOUND_S} s:\n{output[-3000:]}") from None
    assert bench.returncode == 0, output[-3000:] + errors[-3000:]
    assert "BENCH-TABLE-COMPLETE" in output
    for label in ROWS:
        row = table_row(output, label)
        assert row[1], f"empty figure in {row}"
        assert "nan" not in row[1], f"no measurement in {row}"

    mailed, _, created = table_row(output, "accounted: confirmations")[1].partition(" / ")
    assert int(created.replace(",", "")) > 150  # paced + saturation + warm-up
    assert mailed == created, output[-4000:]
    checks = table_row(output, "accounted: confirmations")[2]
    assert re.search(r"duplicates 0; refused 0", checks), checks
    got, _, holders = table_row(output, "accounted: digests")[1].partition(" / ")
    # --smoke: 50 session holders + the warm-up registrant
    assert got == holders == "51", output[-4000:]
    assert "duplicates 0" in table_row(output, "accounted: digests")[2]
