"""A private PostgreSQL server for fault tests: its own data directory and port on loopback.

Stopping it (`pg_ctl stop -m immediate`) never touches the machine's own PostgreSQL. It is
made with `initdb` from the local installation (`/usr/lib/postgresql/*/bin`). PostgreSQL
refuses to run as root, so as root the server runs as the `postgres` user (`runuser`) on a
temporary directory that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_pg_bin() -> Path | None:
    """The newest local PostgreSQL's bin directory that has initdb and pg_ctl, if any."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0,
    )
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    return None


def unavailable_reason() -> str | None:
    if find_pg_bin() is None:
        return "no local PostgreSQL binaries (initdb, pg_ctl) for a private server"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run a private server"
        if shutil.which("runuser") is None:
            return "running as root and `runuser` is missing"
    return None


@dataclass
class PrivatePostgres:
    """`start()` once, then `stop_immediate()` / `start()` as often as a test needs."""

    port: int = field(default_factory=_free_port)
    base_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="forum-fault-pg-")))
    pg_bin: Path = field(default_factory=lambda: find_pg_bin() or Path("/nonexistent"))

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, args: list[str], *, timeout: float = 60, check: bool = True) -> str:
        command = [str(self.pg_bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.base_dir
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
                f"\n{self.tail_log()}"
            )
        return done.stdout

    def init(self) -> PrivatePostgres:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base_dir, owner.pw_uid, owner.pw_gid)
        self.base_dir.chmod(0o700)
        self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            timeout=120,
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.base_dir}'",
            "max_connections": "200",
            # A test server: a crash of the server process keeps the OS page cache, so
            # `immediate` stops recover every commit without paying for fsync on this VM.
            # (`synchronous_commit` stays on: off would lose acknowledged commits on a crash.)
            "fsync": "off",
            "full_page_writes": "off",
            "shared_buffers": "64MB",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        return self

    def start(self, within_s: float = 60) -> None:
        self._run(
            [
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                str(int(within_s)),
                "start",
            ],
            timeout=within_s + 10,
        )
        self.wait_accepting(within_s)

    def stop_immediate(self) -> None:
        """Like a crash: no shutdown checkpoint, clients cut at once, recovery on start."""
        self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"])

    def stop(self) -> None:
        self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"], check=False)

    def is_running(self) -> bool:
        done = subprocess.run(
            [str(self.pg_bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
            timeout=10,
        )
        return done.returncode == 0

    def wait_accepting(self, within_s: float = 30) -> None:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if self.is_running():
                return
            time.sleep(0.1)
        raise RuntimeError(f"private PostgreSQL not accepting on {self.port}:\n{self.tail_log()}")

    def tail_log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def destroy(self) -> None:
        self.stop()
        if (self.data_dir / "postmaster.pid").exists():  # a fast stop did not finish
            self._run(
                ["pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"], check=False
            )
        shutil.rmtree(self.base_dir, ignore_errors=True)
