"""An aiosmtpd sink in its own process: counts messages and records when each arrived.

    python -m bench.sink --port 2525 --out arrivals.tsv [--delay-ms 50]

Each accepted message appends `<unix time>\t<first recipient>\t<Message-ID>` to `--out`
(flushed per line), so the driver can count and time arrivals without sharing a process
(or a GIL) with the sink. `--delay-ms` makes every DATA take that long, like a real provider.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import time
from typing import Any, TextIO

from aiosmtpd.smtp import SMTP

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.MULTILINE | re.IGNORECASE)


class Recorder:
    def __init__(self, out: TextIO, delay_s: float) -> None:
        self.out = out
        self.delay_s = delay_s

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        head = envelope.original_content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        mid = found.group(1).decode(errors="replace") if found else "-"
        rcpt = envelope.rcpt_tos[0] if envelope.rcpt_tos else "-"
        self.out.write(f"{time.time():.6f}\t{rcpt}\t{mid}\n")
        self.out.flush()
        return "250 OK"


async def serve(port: int, out: TextIO, delay_ms: float) -> None:
    loop = asyncio.get_running_loop()
    handler = Recorder(out, delay_ms / 1000)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="bench-sink", data_size_limit=10_000_000),
        host="127.0.0.1",
        port=port,
        backlog=1024,
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("READY", flush=True)
    await stop.wait()
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    with open(args.out, "a", encoding="utf-8") as out:
        asyncio.run(serve(args.port, out, args.delay_ms))


if __name__ == "__main__":
    main()
