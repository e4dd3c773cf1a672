"""A private RabbitMQ node for fault tests, so the machine's own broker is never restarted.

The node has its own name, AMQP and distribution ports on 127.0.0.1, data and log
directories, plugins file (management off, so no :15672 clash) and Erlang cookie (its own
`HOME`), so no `rabbitmqctl -n` typo can reach the system node. It is started from
`/usr/lib/rabbitmq/bin` directly: the `/usr/sbin` wrappers switch to the `rabbitmq` user and
its home. `kill9()` kills the node's `beam.smp` by pid; `start()` brings it back on the same
data directory, so durable queues and persistent messages survive.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

RABBIT_BIN = Path(os.environ.get("FORUM_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unavailable_reason() -> str | None:
    if not (RABBIT_BIN / "rabbitmq-server").exists():
        return f"rabbitmq-server is not installed ({RABBIT_BIN}/rabbitmq-server missing)"
    if not shutil.which("erl") and not Path("/usr/lib/erlang/bin/erl").exists():
        return "Erlang (erl) is not installed"
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers signal 0: reap it if it is ours.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class PrivateRabbitMQ:
    port: int = field(default_factory=_free_port)
    dist_port: int = field(default_factory=_free_port)
    base_dir: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="forum-fault-rmq-"))
    )
    nodename: str = field(default_factory=lambda: f"forumfault{secrets.token_hex(4)}@localhost")
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "rabbit.pid"

    @property
    def log_dir(self) -> Path:
        return self.base_dir / "log"

    def env(self) -> dict[str, str]:
        base = self.base_dir
        return {
            **os.environ,
            "HOME": str(base / "home"),
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.log_dir),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.pid_file),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def prepare(self) -> PrivateRabbitMQ:
        base = self.base_dir
        for sub in ("home", "mnesia", "log"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        cookie = base / "home" / ".erlang.cookie"
        cookie.write_text("".join(secrets.choice(string.ascii_uppercase) for _ in range(20)))
        cookie.chmod(0o400)
        (base / "enabled_plugins").write_text("[].\n")
        (base / "rabbitmq-env.conf").write_text("")
        (base / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\n"
            "loopback_users = none\n"
            "log.file.level = info\n"
            "log.console = false\n"
        )
        return self

    def start(self, within_s: float = 60) -> float:
        """Start the node (first boot or after a kill) and wait for it; returns seconds taken."""
        started = time.monotonic()
        self.process = subprocess.Popen(
            [str(RABBIT_BIN / "rabbitmq-server")],
            env=self.env(),
            stdout=(self.base_dir / "stdout.log").open("ab"),
            stderr=subprocess.STDOUT,
            cwd=self.base_dir,
            start_new_session=True,
        )
        deadline = started + within_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"private RabbitMQ exited at start:\n{self.tail_log()}")
            if _port_open(self.port) and self.ctl("await_startup", "--timeout", "30", check=False):
                return time.monotonic() - started
            time.sleep(0.2)
        raise RuntimeError(f"private RabbitMQ not up within {within_s} s:\n{self.tail_log()}")

    def is_running(self) -> bool:
        pid = self.beam_pid()
        return pid is not None and _alive(pid) and _port_open(self.port)

    def beam_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return self.process.pid if self.process else None

    def kill9(self) -> None:
        """A dirty crash of the node: SIGKILL to its beam.smp, nothing else touched."""
        pid = self.beam_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process is not None:
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        deadline = time.monotonic() + 15
        while _port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)

    def ctl(self, *args: str, check: bool = True, timeout: float = 60) -> bool:
        done = subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-q", "-n", self.nodename, *args],
            env=self.env(),
            capture_output=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"rabbitmqctl {' '.join(args)} failed: {done.stdout!r} {done.stderr!r}"
            )
        return done.returncode == 0

    def ctl_output(self, *args: str) -> str:
        done = subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-q", "-n", self.nodename, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    def stop(self) -> None:
        """A clean stop of the node (by its beam pid, whatever became of the start script)."""
        pid = self.beam_pid()
        if pid is None or not _alive(pid):
            return
        self.ctl("stop", check=False, timeout=60)
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            self.kill9()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def tail_log(self) -> str:
        texts = []
        for path in [self.base_dir / "stdout.log", *sorted(self.log_dir.glob("*.log"))]:
            with contextlib.suppress(OSError):
                texts.append(f"--- {path.name}\n" + path.read_text(errors="replace")[-2000:])
        return "\n".join(texts)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)
