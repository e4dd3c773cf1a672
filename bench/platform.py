# ruff: noqa: S603, S607 - the benchmark starts its own local tools (wrk, rabbitmqctl, py-spy)
"""The platform as processes: one PostgreSQL database per service, a fresh RabbitMQ vhost,
the SMTP sink in its own process, and `forum run <service>` for each service."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import httpx

from bench.util import BENCH_DIR, adopt, free_port, parse_wrk, run_adopted, wrk_statuses
from tests.support.processes import ServiceProcess

ADMIN_TOKEN = "bench-admin-token-0123456789abcdef"  # noqa: S105 - a throw-away stack
SERVICES = ("schedule", "registration", "notifications")
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def pg_admin_url() -> str:
    return os.environ.get(
        "BENCH_PG_URL",
        os.environ.get(
            "FORUM_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        ),
    )


def amqp_base_url() -> str:
    return os.environ.get(
        "BENCH_AMQP_URL",
        os.environ.get("FORUM_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
    )


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


@dataclass
class Resources:
    """Databases and a vhost made for this run, dropped at the end."""

    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    databases: list[str] = field(default_factory=list)
    vhosts: list[str] = field(default_factory=list)

    def asyncpg_dsn(self, name: str) -> str:
        return _with_path(pg_admin_url(), f"/{name}").replace(
            "postgresql+asyncpg://", "postgresql://"
        )

    async def database(self, purpose: str) -> str:
        """A fresh database; returns its SQLAlchemy URL."""
        name = f"forum_bench_{self.tag}_{purpose}"
        admin = await asyncpg.connect(self.asyncpg_dsn(urlsplit(pg_admin_url()).path[1:]))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        self.databases.append(name)
        return _with_path(pg_admin_url(), f"/{name}")

    def vhost(self, purpose: str) -> str:
        name = f"forum-bench-{self.tag}-{purpose}"
        user = urlsplit(amqp_base_url()).username or "guest"
        rabbitmqctl("add_vhost", name)
        rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*")
        self.vhosts.append(name)
        return _with_path(amqp_base_url(), "/" + quote(name, safe=""))

    async def drop(self) -> None:
        admin = await asyncpg.connect(self.asyncpg_dsn(urlsplit(pg_admin_url()).path[1:]))
        try:
            for name in self.databases:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        for name in self.vhosts:
            rabbitmqctl("delete_vhost", name)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


class Sink:
    """bench.sink in its own process; arrivals read back from its file."""

    def __init__(self, log_dir: Path, name: str, delay_ms: float = 0.0) -> None:
        self.port = free_port()
        self.path = log_dir / f"{name}.tsv"
        self.path.write_text("")
        self._offset = 0
        self.arrivals: list[tuple[float, str, str]] = []
        self.process = adopt(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench.sink",
                    "--port",
                    str(self.port),
                    "--out",
                    str(self.path),
                    "--delay-ms",
                    str(delay_ms),
                ],
                stdout=subprocess.PIPE,
                stderr=(log_dir / f"{name}.log").open("ab"),
                cwd=BENCH_DIR.parent,
            )
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if b"READY" not in line:
            raise RuntimeError(f"SMTP sink did not start: {line!r}")

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def poll(self) -> list[tuple[float, str, str]]:
        with self.path.open("rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1
        self._offset += end
        for line in chunk[:end].decode().splitlines():
            at, rcpt, mid = line.split("\t")
            self.arrivals.append((float(at), rcpt, mid))
        return self.arrivals

    async def wait(self, predicate: object, within_s: float) -> bool:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if predicate(self.poll()):  # type: ignore[operator]
                return True
            await asyncio.sleep(0.05)
        return bool(predicate(self.poll()))  # type: ignore[operator]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@dataclass
class Platform:
    log_dir: Path
    sink: Sink
    amqp_url: str
    databases: dict[str, str]
    smtp_concurrency: int = 8
    notification_workers: int = 1
    registration_processes: int = 1
    services: dict[str, list[ServiceProcess]] = field(default_factory=dict)

    def env(self, name: str) -> dict[str, str]:
        return {
            "FORUM_ENV": "production",
            "FORUM_AMQP_URL": self.amqp_url,
            "FORUM_DATABASE_URL": self.databases[name],
            "FORUM_SMTP_URL": self.sink.url,
            "FORUM_MAIL_FROM": "Форум <noreply@forum.test>",
            "FORUM_ADMIN_TOKEN": ADMIN_TOKEN,
            "FORUM_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
            "FORUM_PUBLIC_URL": "http://forum.test",
            # The production throttle (50/s by default, for a real provider) would be the
            # figure; the sink takes anything, so the benchmark lifts it.
            "FORUM_SMTP_RATE_PER_S": "100000",
            "FORUM_SMTP_CONCURRENCY": str(self.smtp_concurrency),
            # One client (wrk on 127.0.0.1) posts everything.
            "FORUM_RATE_LIMIT_PER_MINUTE": "0",
        }

    def start(self) -> Platform:
        counts = {
            "schedule": 1,
            "registration": self.registration_processes,
            "notifications": self.notification_workers,
        }
        for name in SERVICES:
            self.services[name] = []
            for i in range(counts[name]):
                folder = self.log_dir / f"{name}-{i}"
                folder.mkdir(exist_ok=True)
                self.services[name].append(
                    ServiceProcess(
                        name,
                        free_port(),
                        {**self.env(name), "FORUM_VAR_DIR": str(folder)},
                        folder / "service.log",
                    ).start()
                )
                assert self.services[name][-1].process is not None
                adopt(self.services[name][-1].process)
                if i == 0:  # the first one creates the schema; the others join it
                    self.services[name][0].wait_ready(90)
        for processes in self.services.values():
            for process in processes:
                process.wait_ready(90)
        return self

    def stop(self) -> None:
        for processes in self.services.values():
            for process in processes:
                process.stop()

    def url(self, name: str) -> str:
        return self.services[name][0].url

    def pids(self) -> dict[str, list[int]]:
        return {
            name: [p.process.pid for p in processes if p.process is not None]
            for name, processes in self.services.items()
        }

    async def create_forum(self, code: str, sessions_capacity: int) -> str:
        """A forum with one published session; returns the session id once registration
        accepts registrations for it."""
        schedule = f"{self.url('schedule')}/v1/forums/{code}"
        async with httpx.AsyncClient(timeout=30, headers=ADMIN) as http:
            answer = await http.put(
                schedule,
                json={
                    "title": {"ru": "ПромЭнергоVolga2030", "en": "PromEnergoVolga 2030"},
                    "venue": {"ru": "Волгоград Арена", "en": "Volgograd Arena"},
                    "timezone": "Europe/Volgograd",
                    "starts_on": "2030-11-23",
                    "ends_on": "2030-11-25",
                    "capacity": 1_000_000,
                },
            )
            assert answer.status_code in (200, 201), answer.text
            hall = await http.post(
                f"{schedule}/halls",
                json={"name": {"ru": "Главный зал", "en": "Main hall"}, "capacity": 1_000_000},
            )
            assert hall.status_code == 201, hall.text
            session = await http.post(
                f"{schedule}/sessions",
                json={
                    "title": {"ru": "Пленарное заседание", "en": "Plenary session"},
                    "type": "plenary",
                    "starts_at": "2030-11-23T10:00:00+03:00",
                    "ends_at": "2030-11-23T12:00:00+03:00",
                    "hall_id": hall.json()["id"],
                    "capacity": sessions_capacity,
                },
            )
            assert session.status_code == 201, session.text
            session_id = str(session.json()["id"])
            release = await http.post(f"{schedule}/releases", json={})
            assert release.status_code == 201, release.text
        return session_id

    async def warm_up(self, code: str, session_id: str, within_s: float = 60) -> str:
        """One registration with the session in its agenda, retried until registration has
        learnt of the forum and the session from the bus. Returns its email."""
        email = f"warmup-{uuid.uuid4().hex[:8]}@bench.test"
        body = {
            "full_name": "Участник Разминки",
            "email": email,
            "region": "Волгоградская область",
            "category": "delegate",
            "session_ids": [session_id],
            "consents": {"personal_data": True},
        }
        deadline = time.monotonic() + within_s
        async with httpx.AsyncClient(timeout=30) as http:
            while True:
                answer = await http.post(
                    f"{self.url('registration')}/v1/forums/{code}/registrations", json=body
                )
                if answer.status_code == 201:
                    return email
                if time.monotonic() > deadline:
                    raise RuntimeError(f"registration never accepted: {answer.text}")
                await asyncio.sleep(0.2)

    async def release_change(self, code: str, session_id: str) -> None:
        """Reschedule the session and publish a release: every holder gets a digest."""
        schedule = f"{self.url('schedule')}/v1/forums/{code}"
        async with httpx.AsyncClient(timeout=60, headers=ADMIN) as http:
            current = await http.get(f"{schedule}/sessions/{session_id}")
            assert current.status_code == 200, current.text
            changed = await http.patch(
                f"{schedule}/sessions/{session_id}",
                json={
                    "version": current.json()["version"],
                    "starts_at": "2030-11-23T14:00:00+03:00",
                    "ends_at": "2030-11-23T16:00:00+03:00",
                },
            )
            assert changed.status_code == 200, changed.text
            release = await http.post(f"{schedule}/releases", json={})
            assert release.status_code == 201, release.text


@dataclass
class WrkRun:
    sent: int
    created: int
    refused: int
    first_ms: int
    last_ms: int
    statuses: str
    http_p50_ms: float
    http_p99_ms: float

    @property
    def accepted_per_s(self) -> float:
        return self.created / max(0.001, (self.last_ms - self.first_ms) / 1000)


def post_registrations(
    base_url: str,
    code: str,
    *,
    prefix: str,
    count: int,
    connections: int,
    max_seconds: float,
    rate_per_s: float = 0,
    session_id: str = "",
    with_session: int = 0,
) -> WrkRun:
    """POST `count` unique registrations with wrk; at `rate_per_s` when given (paced: each
    request takes the next free slot of a fixed schedule, whichever connection is free),
    else as fast as `connections` allow."""
    done_file = Path(tempfile.mkdtemp(prefix="bench-wrk-")) / "done"
    env = {
        **os.environ,
        "BENCH_DONE_FILE": str(done_file),
        "BENCH_PATH": f"/v1/forums/{code}/registrations",
        "BENCH_PREFIX": prefix,
        "BENCH_LIMIT": str(count),
        "BENCH_SESSION": session_id,
        "BENCH_WITH_SESSION": str(with_session),
        "BENCH_INTERVAL_MS": str(1000 / rate_per_s if rate_per_s else 0),
    }
    out = run_adopted(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(max_seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(BENCH_DIR / "register.lua"),
            base_url,
        ],
        env=env,
        timeout=max_seconds + 60,
        done_file=done_file,
    )
    f = parse_wrk(out)
    return WrkRun(
        sent=int(f["sent"]),
        created=int(f["created"]),
        refused=int(f["refused"]),
        first_ms=int(f["first_ms"]),
        last_ms=int(f["last_ms"]),
        statuses=wrk_statuses(out),
        http_p50_ms=f["p50_us"] / 1000,
        http_p99_ms=f["p99_us"] / 1000,
    )


def sent_ms(recipient: str) -> int:
    """The send time wrk wrote into the address: `<prefix>-<n>-<unix ms>@bench.test`."""
    return int(recipient.split("@", 1)[0].rsplit("-", 1)[1])


def of_prefix(
    arrivals: list[tuple[float, str, str]], prefix: str, kind: str
) -> list[tuple[float, str, str]]:
    return [a for a in arrivals if a[1].startswith(prefix + "-") and kind in a[2]]


def duplicates(arrivals: list[tuple[float, str, str]]) -> int:
    return sum(n - 1 for n in Counter(mid for _, _, mid in arrivals).values() if n > 1)
