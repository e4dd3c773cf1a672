"""The `forum` command: run one service, the whole platform, or operator tasks."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from forum_shared.logging import configure_logging
from forum_shared.settings import ForumSettings

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
    settings = ForumSettings()
    missing = [
        "the in-process bus (without FORUM_AMQP_URL) and the one-process runner arrive with "
        "the 'Run it anywhere' issue",
    ]
    print("forum dev: the embedded single-process platform is not built yet:", file=sys.stderr)
    for item in missing:
        print(f"  - {item}", file=sys.stderr)
    print(
        "Meanwhile run each service against RabbitMQ and PostgreSQL or SQLite:\n"
        "  FORUM_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ forum run schedule\n"
        "  FORUM_AMQP_URL=... forum run registration\n"
        "  FORUM_AMQP_URL=... FORUM_SMTP_URL=smtp://127.0.0.1:1025 forum run notifications",
        file=sys.stderr,
    )
    del settings, port
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forum", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run one service (HTTP, consumers, outbox relay)")
    run.add_argument("service", choices=sorted(SERVICES))
    run.add_argument("--port", type=int, default=None, help="HTTP port (default per service)")

    dev = commands.add_parser("dev", help="run the whole platform in one process")
    dev.add_argument("--port", type=int, default=8000)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return run_service(args.service, args.port)
    if args.command == "dev":
        return run_dev(args.port)
    return 2


def console() -> None:
    sys.exit(main())
