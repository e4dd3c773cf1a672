"""Operator commands: `forum dlq …` and `forum outbox status …`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from forum_shared.messaging.dead_letters import (
    UnknownQueueError,
    list_dead_letters,
    purge_dead_letters,
    replay_dead_letters,
)
from forum_shared.messaging.outbox_status import read_outbox_status
from forum_shared.settings import ForumSettings


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    dlq = commands.add_parser("dlq", help="inspect, replay or purge dead letters (RabbitMQ)")
    actions = dlq.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="dead letters of a queue with their reasons")
    listing.add_argument("queue")
    listing.add_argument("--limit", type=int, default=100)
    show = actions.add_parser("show", help="one dead letter in full")
    show.add_argument("queue")
    show.add_argument("id", help="event id or message id")
    replay = actions.add_parser("replay", help="send dead letters back to their queue")
    replay.add_argument("queue")
    replay.add_argument("--id", action="append", dest="ids", help="only these (repeatable)")
    replay.add_argument("--all", action="store_true", help="every dead letter of the queue")
    purge = actions.add_parser("purge", help="delete dead letters for good")
    purge.add_argument("queue")
    purge.add_argument("--id", action="append", dest="ids", help="only these (repeatable)")
    purge.add_argument("--yes", action="store_true", help="confirm deleting")

    outbox = commands.add_parser("outbox", help="outbox of one service")
    outbox_actions = outbox.add_subparsers(dest="action", required=True)
    status = outbox_actions.add_parser("status", help="backlog, oldest row, failing rows")
    status.add_argument("service", choices=["registration", "schedule", "notifications"])


def run_dlq(args: argparse.Namespace) -> int:
    settings = ForumSettings()
    if not settings.amqp_url:
        print("forum dlq: set FORUM_AMQP_URL (dead letters live in RabbitMQ)", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_dlq(settings.amqp_url, args))
    except UnknownQueueError as error:
        print(f"forum dlq: {error}", file=sys.stderr)
        return 2


async def _dlq(url: str, args: argparse.Namespace) -> int:
    if args.action == "list":
        views = await list_dead_letters(url, args.queue, limit=args.limit)
        for view in views:
            print(view.summary())
        print(f"{len(views)} dead letter(s) in {args.queue.removesuffix('.dlq')}.dlq")
        return 0
    if args.action == "show":
        for view in await list_dead_letters(url, args.queue, limit=10_000):
            if args.id in (view.event_id, view.message_id):
                headers = {k: str(v) for k, v in view.headers.items()}
                print(
                    json.dumps(
                        {"reason": view.reason, "headers": headers}, ensure_ascii=False, indent=2
                    )
                )
                print(view.body.decode(errors="replace"))
                return 0
        print(f"forum dlq: no dead letter {args.id} in {args.queue}", file=sys.stderr)
        return 1
    ids = set(args.ids) if args.ids else None
    if args.action == "replay":
        if ids is None and not args.all:
            print("forum dlq replay: name --id ID (repeatable) or --all", file=sys.stderr)
            return 2
        print(f"replayed {await replay_dead_letters(url, args.queue, ids=ids)} message(s)")
        return 0
    if not args.yes:
        print("forum dlq purge deletes messages for good: add --yes", file=sys.stderr)
        return 2
    print(f"purged {await purge_dead_letters(url, args.queue, ids=ids)} message(s)")
    return 0


def run_outbox(args: argparse.Namespace) -> int:
    settings = ForumSettings()
    status = asyncio.run(
        read_outbox_status(settings.database_url_for(args.service), pooler=settings.database_pooler)
    )
    oldest = status.oldest.isoformat() if status.oldest else "-"
    print(f"{args.service}: {status.backlog} unpublished event(s), oldest {oldest}")
    for row in status.failing:
        print(f"  {row.event_id} {row.routing_key} attempts={row.attempts} error={row.last_error}")
    return 0
