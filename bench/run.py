# ruff: noqa: S603, S607 - the benchmark starts its own local tools (wrk, rabbitmqctl, py-spy)
"""`python -m bench`: raw ceilings and the platform's figures, side by side, in one run.

    python -m bench                       # full run: 30,000 registrations, 10,000 digests
    python -m bench --smoke               # < 60 s, small sizes, same table
    python -m bench --scale               # + issue 10 §3: 1/2/4 notification workers and
                                          #   1/2 registration processes, 50 ms SMTP sink
    python -m bench --profile DIR         # py-spy each service during the phases

Phases, in this order: raw ceilings (repeated `--repeat` times, median shown); the stack
started; a paced phase at `--rate` registrations/s for `--duration` s (confirmation latency);
a saturation phase of `--registrations` (accepted/s, email throughput), the first
`--digest-attendees` of them choosing the session; a release that reschedules that session
(time until every digest arrived); each service's peak RSS. wrk drives HTTP (one thread).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform as host
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import asyncpg

from bench import ceilings
from bench.cpu import CpuMeter
from bench.platform import (
    Platform,
    Resources,
    Sink,
    duplicates,
    of_prefix,
    post_registrations,
    sent_ms,
)
from bench.util import adopt, end_children, loadavg, median, peak_rss_mb, percentile

CONFIRMATION = ".confirmation@"
DIGEST = ".schedule_digest@"


@dataclass
class Report:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)

    def row(self, what: str, value: str, bound: str = "", ratio: str = "") -> None:
        self.rows.append((what, value, bound, ratio))

    def print(self) -> None:
        widths = [max(len(r[i]) for r in [HEADER, *self.rows]) for i in range(4)]
        print()
        for n, r in enumerate([HEADER, *self.rows]):
            print(
                "| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(r)) + " |",
                flush=True,
            )
            if n == 0:
                print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        print()
        print("load average (1/5/15 min) seen: " + "; ".join(self.loads))
        for note in self.notes:
            print("note: " + note)
        sys.stdout.flush()


HEADER = ("figure", "measured", "bounding ceiling / target", "ratio")


def ensure_wrk(report: Report) -> None:
    if shutil.which("wrk"):
        return
    print("wrk not found: installing it with apt-get install -y wrk", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    report.notes.append("wrk was missing and was installed by this run (apt-get install wrk)")


def versions() -> str:
    names = ["fastapi", "uvicorn", "faststream", "aio-pika", "sqlalchemy", "asyncpg"]
    names += ["aiosmtplib", "aiosmtpd", "pydantic", "uvloop", "httptools"]
    parts = [f"python {host.python_version()}"] + [f"{n} {version(n)}" for n in names]
    try:
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
        parts.append(f"wrk {wrk}")
    except (OSError, IndexError):
        pass
    return ", ".join(parts)


def fmt(value: float, unit: str = "") -> str:
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:,.2f}{unit}"


async def take_ceilings(
    args: argparse.Namespace, res: Resources, log_dir: Path
) -> dict[str, float]:
    sink = Sink(log_dir, "ceiling-sink")
    amqp = res.vhost("ceiling")
    dsn = res.asyncpg_dsn((await res.database("ceiling")).rsplit("/", 1)[1])
    runs: dict[str, list[float]] = {"broker": [], "db": [], "smtp": [], "http": []}
    http_lat: list[tuple[float, float]] = []
    try:
        for i in range(args.repeat):
            print(f"ceilings, run {i + 1}/{args.repeat} (load {loadavg()})", flush=True)
            runs["broker"].append(await ceilings.broker(amqp, args.ceiling_n))
            runs["db"].append(await ceilings.database(dsn, args.ceiling_n))
            before = len(sink.poll())
            runs["smtp"].append(await ceilings.smtp(sink.port, args.ceiling_n // 4))
            await sink.wait(lambda a, n=before: len(a) >= n + args.ceiling_n // 4, 30)
            rate, p50, p99 = await asyncio.to_thread(
                ceilings.http, args.http_seconds, args.connections, log_dir
            )
            runs["http"].append(rate)
            http_lat.append((p50, p99))
            print(
                "  " + ", ".join(f"{k} {v[-1]:,.0f}/s" for k, v in runs.items()),
                flush=True,
            )
    finally:
        sink.stop()
    result = {k: median(v) for k, v in runs.items()}
    result["smtp_delivered"] = float(len(sink.poll()))
    result["smtp_expected"] = float(args.repeat * (args.ceiling_n // 4))
    result.update({f"{k}_min": min(v) for k, v in runs.items()})
    result.update({f"{k}_max": max(v) for k, v in runs.items()})
    result["http_p99_ms"] = median([p for _, p in http_lat])
    return result


class Profiler:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.running: list[subprocess.Popen[bytes]] = []
        self.binary = shutil.which("py-spy") or "/tmp/pyspy-venv/bin/py-spy"  # noqa: S108

    def start(self, phase: str, pids: dict[str, list[int]], seconds: float) -> None:
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, ids in pids.items():
            for pid in ids[:1]:
                self.running.append(
                    adopt(
                        subprocess.Popen(
                            [
                                self.binary,
                                "record",
                                "--nonblocking",
                                "-d",
                                str(max(1, int(seconds))),
                                "--pid",
                                str(pid),
                                "--format",
                                "raw",
                                "-o",
                                str(self.directory / f"{phase}-{name}.txt"),
                            ],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                    )
                )

    def wait(self) -> None:
        for process in self.running:
            process.wait(120)
        self.running.clear()


async def stored_registrations(res: Resources, url: str, code: str) -> int:
    """Registrations in the registration service's own database: what must be emailed."""
    connection = await asyncpg.connect(res.asyncpg_dsn(url.rsplit("/", 1)[1]))
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM registrations WHERE forum_code = $1", code
        )
    finally:
        await connection.close()
    return int(count)


async def run_platform(
    args: argparse.Namespace,
    res: Resources,
    log_dir: Path,
    ceiling: dict[str, float],
    report: Report,
) -> None:
    sink = Sink(log_dir, "platform-sink")
    databases = {
        name: await res.database(name) for name in ("schedule", "registration", "notifications")
    }
    platform = Platform(
        log_dir, sink, res.vhost("platform"), databases, smtp_concurrency=args.smtp_concurrency
    )
    profiler = Profiler(args.profile)
    try:
        print(f"starting the stack (load {loadavg()})", flush=True)
        platform.start()
        code = "bench-2030"
        session_id = await platform.create_forum(code, sessions_capacity=1_000_000)
        warmup = await platform.warm_up(code, session_id)
        base = platform.url("registration")
        report.loads.append(f"stack up: {loadavg()}")

        # 1. Paced: confirmation latency at --rate registrations per second.
        paced_n = int(args.rate * args.duration)
        # Enough connections that one slow answer never holds the schedule back.
        connections = 16
        print(f"paced phase: {paced_n} registrations at ~{args.rate:.0f}/s", flush=True)
        paced = await asyncio.to_thread(
            post_registrations,
            base,
            code,
            prefix="p",
            count=paced_n,
            connections=connections,
            max_seconds=args.duration * 10 + 60,
            rate_per_s=args.rate,
        )
        await sink.wait(
            lambda a: len(of_prefix(a, "p", CONFIRMATION)) >= paced.created, args.mail_wait
        )
        paced_mail = of_prefix(sink.poll(), "p", CONFIRMATION)
        paced_lat = [at * 1000 - sent_ms(rcpt) for at, rcpt, _ in paced_mail]
        paced_rate = paced.accepted_per_s
        report.loads.append(f"after paced phase: {loadavg()}")

        # 2. Saturation: as fast as wrk with --connections can push.
        n = args.registrations
        print(f"saturation phase: {n} registrations, {args.connections} connections", flush=True)
        profiler.start("registrations", platform.pids(), min(20, max(2, n / 400)))
        meter = CpuMeter(
            platform.pids() | {"SMTP sink": [sink.process.pid], "bench driver": [os.getpid()]}
        ).start()
        burst = await asyncio.to_thread(
            post_registrations,
            base,
            code,
            prefix="t",
            count=n,
            connections=args.connections,
            max_seconds=n / 2 + 120,  # an upper bound: wrk is stopped once all answered
            session_id=session_id,
            with_session=args.digest_attendees,
        )
        report.loads.append(f"after saturation phase: {loadavg()}")
        await sink.wait(
            lambda a: len(of_prefix(a, "t", CONFIRMATION)) >= burst.created, args.mail_wait
        )
        cpu = meter.spent()
        profiler.wait()
        mails = of_prefix(sink.poll(), "t", CONFIRMATION)
        burst_lat = [at * 1000 - sent_ms(rcpt) for at, rcpt, _ in mails]
        mail_span = (
            (max(at for at, _, _ in mails) - burst.first_ms / 1000) if mails else float("nan")
        )
        mail_rate = len(mails) / mail_span if mails else 0.0

        # 3. A release affecting every holder of the session.
        holders = min(args.digest_attendees, burst.created)
        print(f"release affecting {holders} attendees (+1 warm-up)", flush=True)
        profiler.start("digests", platform.pids(), max(2, holders / 400))
        meter.start()
        released = time.time()
        await platform.release_change(code, session_id)
        await sink.wait(
            lambda a: len([x for x in a if DIGEST in x[2]]) >= holders + 1, args.mail_wait
        )
        digests = of_prefix(sink.poll(), "t", DIGEST)
        digest_s = (max(at for at, _, _ in digests) - released) if digests else float("nan")
        digest_cpu = meter.spent()
        profiler.wait()
        report.loads.append(f"after release: {loadavg()}")
        await asyncio.sleep(1.0)  # anything duplicated or late would have arrived by now
        arrivals = sink.poll()
        rss = {name: [peak_rss_mb(pid) for pid in pids] for name, pids in platform.pids().items()}
        stored = await stored_registrations(res, databases["registration"], code)
    finally:
        platform.stop()
        sink.stop()

    # --- rows
    http_c = ceiling["http"]
    smtp_c = ceiling["smtp"]
    db_c = ceiling["db"]
    broker_c = ceiling["broker"]
    additive = 1 / (1 / http_c + 1 / db_c + 1 / broker_c + 1 / smtp_c)
    report.row(
        f"registrations accepted/s (wrk -t1 -c{args.connections}, {n:,} posted)",
        f"{burst.accepted_per_s:,.0f}/s",
        f"bare FastAPI {http_c:,.0f}/s; PG tx {db_c:,.0f}/s",
        f"{burst.accepted_per_s / http_c:.2f}; {burst.accepted_per_s / db_c:.2f}",
    )
    report.row(
        "  HTTP latency under saturation p50 / p99",
        f"{burst.http_p50_ms:,.1f} / {burst.http_p99_ms:,.1f} ms",
        f"bare FastAPI p99 {ceiling['http_p99_ms']:.1f} ms",
        "",
    )
    report.row(
        "registration → confirmation email, emails/s (saturation)",
        f"{mail_rate:,.0f}/s",
        f"SMTP+MIME {smtp_c:,.0f}/s; all stages on 2 cores {additive:,.0f}/s",
        f"{mail_rate / smtp_c:.2f}; {mail_rate / additive:.2f}",
    )
    report.row(
        "  confirmation latency p50/p95/p99 (saturation)",
        " / ".join(f"{percentile(burst_lat, p) / 1000:,.2f}" for p in (50, 95, 99)) + " s",
        "",
        "",
    )
    report.row(
        f"  confirmation latency p50/p95/p99 at {paced_rate:,.0f}/s ({len(paced_mail):,} paced)",
        " / ".join(f"{percentile(paced_lat, p) / 1000:,.2f}" for p in (50, 95, 99)) + " s",
        "target p99 ≤ 1.5 s at 100/s",
        f"{percentile(paced_lat, 99) / 1000 / 1.5:.2f} of target",
    )
    # CPU per registration, from the first POST until the last confirmation arrived.
    per_item = {name: 1000 * seconds / max(1, burst.created) for name, seconds in cpu.items()}
    total_ms = sum(per_item.values())
    two_cores = 2000 / total_ms if total_ms else float("nan")
    report.row(
        "CPU per registration, saturation (ms; all stages, wrk not counted)",
        "; ".join(f"{name} {ms:.1f}" for name, ms in per_item.items()) + f"; total {total_ms:.1f}",
        f"2 cores / total = {two_cores:,.0f} registrations/s (emailed)",
        f"{mail_rate / two_cores:.2f}" if total_ms else "",
    )
    digest_rate = holders / digest_s if digests else 0.0
    report.row(
        f"release → all {holders:,} digests delivered",
        f"{digest_s:,.1f} s ({digest_rate:,.0f}/s)",
        f"SMTP+MIME {smtp_c:,.0f}/s → {holders / smtp_c:,.1f} s; target ≤ 40 s per 10,000",
        f"{digest_rate / smtp_c:.2f}",
    )
    per_digest = {name: 1000 * sec / max(1, holders) for name, sec in digest_cpu.items()}
    digest_total = sum(per_digest.values())
    report.row(
        "CPU per digest, release (ms; all stages)",
        "; ".join(f"{name} {ms:.1f}" for name, ms in per_digest.items())
        + f"; total {digest_total:.1f}",
        f"2 cores / total = {2000 / digest_total:,.0f} digests/s" if digest_total else "",
        f"{digest_rate / (2000 / digest_total):.2f}" if digest_total else "",
    )
    for name, values in rss.items():
        report.row(
            f"peak RSS {name}" + (f" ×{len(values)}" if len(values) > 1 else ""),
            ", ".join(f"{peak:,.0f} MB" for peak, _ in values),
            "target ≤ 150 MB",
            ", ".join(f"{peak / 150:.2f}" for peak, _ in values),
        )
    # --- accounting: every created registration got exactly one confirmation
    expected = paced.created + burst.created + 1
    if stored != expected:
        report.notes.append(
            f"wrk counted {expected} registrations created, the database holds {stored}"
        )
    expected = stored
    confirmations = [a for a in arrivals if CONFIRMATION in a[2]]
    recipients = {rcpt for _, rcpt, _ in confirmations}
    all_digests = [a for a in arrivals if DIGEST in a[2]]
    report.row(
        "accounted: confirmations / registrations stored",
        f"{len(recipients):,} / {expected:,}",
        f"duplicates {duplicates(confirmations)}; refused {paced.refused + burst.refused}",
        f"{len(recipients) / expected:.3f}",
    )
    report.row(
        "accounted: digests / session holders",
        f"{len({r for _, r, _ in all_digests}):,} / {holders + 1:,}",
        f"duplicates {duplicates(all_digests)}",
        f"{len({r for _, r, _ in all_digests}) / (holders + 1):.3f}",
    )
    if paced.statuses or burst.statuses:
        report.notes.append(f"refusals: {paced.statuses} {burst.statuses}")
    report.notes.append(f"warm-up registration: {warmup}")


async def main_async(args: argparse.Namespace) -> int:
    report = Report()
    ensure_wrk(report)
    log_dir = Path(args.log_dir or tempfile.mkdtemp(prefix="forum-bench-"))
    await asyncio.to_thread(log_dir.mkdir, parents=True, exist_ok=True)
    print(f"logs in {log_dir}; versions: {versions()}", flush=True)
    report.loads.append(f"start: {loadavg()}")
    res = Resources()
    RESOURCES.append(res)
    started = time.monotonic()
    try:
        if not args.scale_only:
            ceiling = await take_ceilings(args, res, log_dir)
            report.loads.append(f"after ceilings: {loadavg()}")
            spread = {
                k: f"{ceiling[k + '_min']:,.0f}–{ceiling[k + '_max']:,.0f}"
                for k in ("broker", "db", "smtp", "http")
            }
            runs = f"median of {args.repeat}" if args.repeat > 1 else "1 run"
            report.row(
                "CEILING broker: aio-pika publish+consume, persistent, confirms",
                f"{ceiling['broker']:,.0f} msg/s",
                f"{runs}: {spread['broker']}",
                "",
            )
            report.row(
                "CEILING PostgreSQL: asyncpg tx (registration + outbox), 16 conns",
                f"{ceiling['db']:,.0f} tx/s",
                f"{runs}: {spread['db']}",
                "",
            )
            report.row(
                f"CEILING SMTP: MIME build + aiosmtplib send, {8} conns, same sink",
                f"{ceiling['smtp']:,.0f} emails/s",
                f"{runs}: {spread['smtp']}; "
                f"{ceiling['smtp_delivered']:,.0f}/{ceiling['smtp_expected']:,.0f} at sink",
                "",
            )
            report.row(
                f"CEILING HTTP: bare FastAPI POST, wrk -t1 -c{args.connections}",
                f"{ceiling['http']:,.0f} req/s",
                f"{runs}: {spread['http']}",
                "",
            )
            await run_platform(args, res, log_dir, ceiling, report)
        if args.scale or args.scale_only:
            from bench.scale import run_scale

            await run_scale(args, res, log_dir, report)
    finally:
        await res.drop()
    report.loads.append(f"end: {loadavg()}")
    report.notes.append(f"took {time.monotonic() - started:,.0f} s; logs in {log_dir}")
    report.print()
    print("BENCH-TABLE-COMPLETE")
    return 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--registrations", type=int, default=30_000)
    parser.add_argument("--digest-attendees", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=30.0, help="paced phase, seconds")
    parser.add_argument("--rate", type=float, default=100.0, help="paced phase, per second")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--smtp-concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each ceiling")
    parser.add_argument("--ceiling-n", type=int, default=8_000)
    parser.add_argument("--http-seconds", type=float, default=5.0)
    parser.add_argument("--mail-wait", type=float, default=600.0)
    parser.add_argument("--smoke", action="store_true", help="small sizes, < 60 s")
    parser.add_argument("--scale", action="store_true", help="issue 10 §3 table too")
    parser.add_argument("--scale-only", action="store_true", help="only the scale table")
    parser.add_argument("--scale-registrations", type=int, default=2_000)
    parser.add_argument("--scale-smtp-delay-ms", type=float, default=50.0)
    parser.add_argument("--profile", type=Path, default=None, help="py-spy raw output dir")
    parser.add_argument("--log-dir", default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        args.registrations = min(args.registrations, 150)
        args.digest_attendees = min(args.digest_attendees, 50)
        args.duration = min(args.duration, 2.0)
        args.rate = min(args.rate, 50.0)
        args.repeat = 1
        args.ceiling_n = 400
        args.http_seconds = 1.0
        args.mail_wait = 240.0  # an upper bound only: each wait ends as soon as all arrived
    return args


RESOURCES: list[Resources] = []


def _interrupted(signum: int, frame: object) -> None:
    """SIGTERM/SIGINT: end every process this run started (by pid), drop the databases and
    vhosts it made, and exit."""
    end_children()
    for res in RESOURCES:
        worker = threading.Thread(target=lambda r=res: asyncio.run(r.drop()))
        worker.start()
        worker.join(60)
    print("interrupted: processes ended, databases and vhosts dropped", flush=True)
    os._exit(130)


def main(argv: list[str] | None = None) -> int:
    # SIGTERM unwinds like Ctrl-C, so every `finally` stops the services, the sinks and
    # wrk and drops the databases and vhosts this run made.
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    return asyncio.run(main_async(parse(argv)))
