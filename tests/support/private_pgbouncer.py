"""A private PgBouncer in transaction pooling mode in front of a PostgreSQL on loopback.

Its own config, auth file, log and pid file live in a temporary directory; it never reads
or changes the machine's `/etc/pgbouncer` or PostgreSQL configuration. Every database name
is forwarded (`* =`) to the target server as user `postgres` (trust auth on loopback), so a
test's fresh database is reachable through it without a config change. PgBouncer refuses
to run as root, so as root it runs as the `postgres` user (`runuser`).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unavailable_reason() -> str | None:
    if shutil.which("pgbouncer") is None:
        return "pgbouncer is not installed (apt-get install -y pgbouncer)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run pgbouncer as"
        if shutil.which("runuser") is None:
            return "running as root and `runuser` is missing"
    return None


def through(url: str, port: int) -> str:
    """`url` (a PostgreSQL URL on 127.0.0.1) with its port replaced by the pooler's."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = "127.0.0.1:" + str(port)
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


@dataclass
class PrivatePgBouncer:
    """`start()`, hand out `through(url, port)`, then `stop()`."""

    target_port: int = 5432
    pool_size: int = 20
    port: int = field(default_factory=_free_port)
    base_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="forum-pgb-")))
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_file(self) -> Path:
        return self.base_dir / "pgbouncer.log"

    def _write_config(self) -> Path:
        (self.base_dir / "userlist.txt").write_text('"postgres" ""\n')
        config = self.base_dir / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.target_port} user=postgres\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.base_dir / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\n"
            "max_client_conn = 1000\n"
            f"logfile = {self.log_file}\n"
            f"pidfile = {self.base_dir / 'pgbouncer.pid'}\n"
            # The test fixtures drop their databases WITH (FORCE) at the end; the pooler's
            # idle server connections must not be what keeps a DROP waiting.
            "server_idle_timeout = 5\n"
        )
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.base_dir, *self.base_dir.iterdir()):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        return config

    def start(self, within_s: float = 15) -> PrivatePgBouncer:
        command = ["pgbouncer", str(self._write_config())]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"pgbouncer exited ({self.process.returncode}):\n{self.tail_log()}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pgbouncer not accepting on {self.port}:\n{self.tail_log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # runuser forwards SIGTERM to pgbouncer, which closes its connections and exits.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def tail_log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-3000:]
        except OSError:
            return ""
