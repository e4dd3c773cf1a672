"""A small TCP proxy on loopback that can cut or freeze every connection through it.

It runs its own event loop in a thread (like the SMTP sink), so blocking test code such as
`ServiceProcess.wait_ready()` cannot stall the traffic it forwards. Faults:

- `cut()`: every open connection is aborted (RST) and new ones are closed as soon as they are
  accepted, until `resume()` — the network between a service and its broker is gone.
- `pause()`: connections stay open but no byte moves in either direction until `resume()` —
  a hung peer; only heartbeats or timeouts notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int, *, port: int | None = None):
        self.upstream = (upstream_host, upstream_port)
        self.port = port or _free_port()
        self.accepted = 0
        self.refused = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._cut = False
        self._flowing: asyncio.Event | None = None

    def retarget(self, host: str, port: int) -> None:
        """Forward new connections elsewhere (e.g. a restarted broker on a new port)."""
        self.upstream = (host, port)

    @property
    def open_connections(self) -> int:
        return len(self._writers) // 2

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._start())
        return self

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._abort_all()

    def cut(self) -> None:
        self._call(self._do_cut())

    async def _do_cut(self) -> None:
        self._cut = True
        await self._abort_all()

    def pause(self) -> None:
        self._call(self._set_flowing(False))

    def resume(self) -> None:
        self._cut = False
        self._call(self._set_flowing(True))

    async def _set_flowing(self, flowing: bool) -> None:
        assert self._flowing is not None
        if flowing:
            self._flowing.set()
        else:
            self._flowing.clear()

    def cut_for(self, seconds: float) -> None:
        """Blocking: cut, wait, resume (call it from a worker thread in async tests)."""
        self.cut()
        time.sleep(seconds)
        self.resume()

    async def _abort_all(self) -> None:
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            self.refused += 1
            writer.transport.abort()
            return
        if self._cut:  # cut while we were connecting upstream
            up_writer.transport.abort()
            writer.transport.abort()
            return
        self.accepted += 1
        self._writers.update((writer, up_writer))
        pumps = [
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        self._tasks.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pumps:
                task.cancel()
                self._tasks.discard(task)
            for side in (writer, up_writer):
                self._writers.discard(side)
                with contextlib.suppress(Exception):
                    side.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while True:
                await self._flowing.wait()
                data = await reader.read(65536)
                if not data:
                    return
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
