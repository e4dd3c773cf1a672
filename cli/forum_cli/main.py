"""The `forum` command: run one service, the whole platform, or operator tasks."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from forum_shared.logging import configure_logging
from forum_shared.settings import ForumSettings

from forum_cli import ops

SERVICES = {
    # name: (module with create_app, default HTTP port)
    "registration": ("forum_registration.main", 8001),
    "schedule": ("forum_schedule.main", 8002),
    "notifications": ("forum_notifications.main", 8003),
}


def run_service(name: str, port: int | None) -> int:
    import uvicorn

    settings = ForumSettings()
    configure_logging(json_output=settings.log_json, level=settings.log_level)
    module_name, default_port = SERVICES[name]
    app = importlib.import_module(module_name).create_app(settings)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=port or settings.http_port or default_port,
        log_config=None,
        timeout_graceful_shutdown=int(settings.graceful_timeout_s),
    )
    return 0


def run_dev(port: int) -> int:
    import os

    import uvicorn

    from forum_cli.dev import create_dev_app
    from forum_cli.mailbox import DevMailbox

    settings = ForumSettings()
    configure_logging(json_output=False, level=settings.log_level)
    settings = settings.model_copy(
        update={"public_url": os.environ.get("FORUM_PUBLIC_URL", f"http://127.0.0.1:{port}")}
    )
    mailbox = None
    if "FORUM_SMTP_URL" not in os.environ:
        mailbox = DevMailbox(settings.var_dir / "mail")
        mailbox.start()
    app = create_dev_app(settings, mailbox=mailbox)
    base = f"http://127.0.0.1:{port}"
    bus = (
        f"RabbitMQ {_without_password(settings.amqp_url)}"
        if settings.amqp_url
        else "in-process (not durable; set FORUM_AMQP_URL to use RabbitMQ)"
    )
    print(
        "\nФорум запущен в режиме разработки / forum platform, dev mode\n"
        f"  API docs:   {base}/docs\n"
        f"  Mailbox:    {base}/dev/mail\n"
        f"  Programme:  {base}/v1/forums/promenergovolga-2022/programme\n"
        f"  Health:     {base}/health/ready\n"
        f"  Data:       {settings.var_dir.resolve()} (SQLite)\n"
        f"  Bus:        {bus}\n",
        flush=True,
    )
    try:
        uvicorn.run(app, host=settings.http_host, port=port, log_config=None)
    finally:
        if mailbox is not None:
            mailbox.stop()
    return 0


def import_schedule(path: Path) -> int:
    import asyncio

    from forum_schedule.commands import describe, import_programme_file

    settings = ForumSettings()
    configure_logging(json_output=False, level=settings.log_level)
    print(describe(asyncio.run(import_programme_file(path, settings))))
    return 0


def _without_password(urls: str) -> str:
    """FORUM_AMQP_URL for a banner: every node of the list, passwords hidden."""
    from urllib.parse import urlsplit, urlunsplit

    shown = []
    for url in urls.split(","):
        parts = urlsplit(url.strip())
        if parts.password is not None:
            host = f"{parts.hostname}" + (f":{parts.port}" if parts.port else "")
            parts = parts._replace(netloc=f"{parts.username}:***@{host}")
        shown.append(urlunsplit(parts))
    return ",".join(shown)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forum", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run one service (HTTP, consumers, outbox relay)")
    run.add_argument("service", choices=sorted(SERVICES))
    run.add_argument("--port", type=int, default=None, help="HTTP port (default per service)")

    dev = commands.add_parser("dev", help="run the whole platform in one process")
    dev.add_argument("--port", type=int, default=8000)

    schedule = commands.add_parser("schedule", help="schedule tasks without the HTTP service")
    schedule_actions = schedule.add_subparsers(dest="action", required=True)
    importing = schedule_actions.add_parser("import", help="draft and release a programme file")
    importing.add_argument("file", type=Path)

    migrate = commands.add_parser("migrate", help="upgrade the services' databases to head")
    migrate.add_argument("services", nargs="*", metavar="SERVICE", help="default: all three")
    migrate.add_argument("--new", metavar="SERVICE", help="write a new revision for SERVICE")
    migrate.add_argument("-m", "--message", help="the new revision's message")

    docs = commands.add_parser("docs", help="regenerate the AsyncAPI documents")
    docs.add_argument("--out", type=Path, default=Path("docs/asyncapi"))

    ops.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return run_service(args.service, args.port)
    if args.command == "dev":
        return run_dev(args.port)
    if args.command == "migrate":
        from forum_cli.migrate import run as run_migrate

        return run_migrate(args.services, args.new, args.message)
    if args.command == "schedule":
        return import_schedule(args.file)
    if args.command == "docs":
        from forum_cli.docs import write_documents

        for path in write_documents(args.out):
            print(f"wrote {path}")
        return 0
    if args.command == "dlq":
        return ops.run_dlq(args)
    if args.command == "outbox":
        return ops.run_outbox(args)
    return 2


def console() -> None:
    sys.exit(main())
