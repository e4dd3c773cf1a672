"""Issue 10 §3: throughput per number of processes against a slow SMTP server.

The sink takes `--scale-smtp-delay-ms` (50 ms) per message, like a real provider. For each
configuration a fresh stack (new databases and vhost) gets `--scale-registrations` at
saturation (wrk, split evenly over the registration processes); reported: registrations
accepted per second (the notification workers stopped meanwhile, so the confirmations queue
up), then the workers are started and the rate they drain the queue at is timed from the
first to the last confirmation at the sink.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from bench.platform import Platform, Resources, Sink, of_prefix, post_registrations
from bench.util import adopt, loadavg

if TYPE_CHECKING:
    from bench.run import Report

CONFIRMATION = ".confirmation@"
CONFIGS = ((1, 1), (1, 2), (1, 4), (2, 4))  # (registration processes, notification workers)


async def one(
    args: argparse.Namespace, res: Resources, log_dir: Path, registrations: int, workers: int
) -> tuple[float, float, int, int]:
    folder = log_dir / f"scale-r{registrations}-n{workers}"
    folder.mkdir(exist_ok=True)
    sink = Sink(folder, "sink", delay_ms=args.scale_smtp_delay_ms)
    tag = f"r{registrations}n{workers}"
    databases = {
        name: await res.database(f"{tag}_{name}")
        for name in ("schedule", "registration", "notifications")
    }
    platform = Platform(
        folder,
        sink,
        res.vhost(f"scale-{tag}"),
        databases,
        smtp_concurrency=args.smtp_concurrency,
        notification_workers=workers,
        registration_processes=registrations,
    )
    try:
        platform.start()
        code = "bench-scale"
        session_id = await platform.create_forum(code, sessions_capacity=1_000_000)
        warmup = await platform.warm_up(code, session_id)
        await sink.wait(lambda a: any(r == warmup for _, r, _ in a), args.mail_wait)
        # Queue the confirmations with the workers stopped, then time how fast the workers
        # drain them: the workers' throughput, not the rate registrations come in at.
        workers_list = platform.services["notifications"]
        for process in workers_list:
            process.stop()
        n = args.scale_registrations
        share = n // registrations
        runs = await asyncio.gather(
            *(
                asyncio.to_thread(
                    post_registrations,
                    process.url,
                    code,
                    prefix=f"s{i}",
                    count=share,
                    connections=max(4, args.connections // registrations),
                    max_seconds=max(60, n / 10),
                )
                for i, process in enumerate(platform.services["registration"])
            )
        )
        created = sum(r.created for r in runs)
        first = min(r.first_ms for r in runs) / 1000
        last = max(r.last_ms for r in runs) / 1000
        for process in workers_list:
            assert process.start().process is not None
            adopt(process.process)
        for process in workers_list:
            await asyncio.to_thread(process.wait_ready, 120)
        await sink.wait(
            lambda a: (
                sum(len(of_prefix(a, f"s{i}", CONFIRMATION)) for i in range(len(runs))) >= created
            ),
            args.mail_wait,
        )
        mails = [m for i in range(len(runs)) for m in of_prefix(sink.poll(), f"s{i}", CONFIRMATION)]
        arrived = sorted(at for at, _, _ in mails)
        span = arrived[-1] - arrived[0] if len(arrived) > 1 else float("nan")
        return created / (last - first), len(mails) / span, created, len(mails)
    finally:
        platform.stop()
        sink.stop()


async def run_scale(
    args: argparse.Namespace, res: Resources, log_dir: Path, report: Report
) -> None:
    delay = args.scale_smtp_delay_ms
    rows: list[tuple[str, str, str, str]] = []
    for registrations, workers in CONFIGS:
        print(
            f"scale: {registrations} registration process(es), {workers} notification "
            f"worker(s), SMTP {delay:.0f} ms/message (load {loadavg()})",
            flush=True,
        )
        accepted, emails, created, mailed = await one(args, res, log_dir, registrations, workers)
        bound = workers * args.smtp_concurrency * 1000 / delay
        rows.append(
            (
                f"SCALE registration ×{registrations}, notifications ×{workers}",
                f"{accepted:,.0f} reg/s; {emails:,.0f} emails/s",
                f"SMTP bound {workers}×{args.smtp_concurrency}/{delay / 1000:g} s "
                f"= {bound:,.0f}/s; mailed {mailed:,}/{created:,}",
                f"{emails / bound:.2f}",
            )
        )
        report.loads.append(f"after scale r{registrations} n{workers}: {loadavg()}")
    report.rows.extend(rows)
