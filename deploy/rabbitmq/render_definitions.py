"""Render `definitions.json` (RabbitMQ definitions) from the topology declared in code.

    .venv/bin/python deploy/rabbitmq/render_definitions.py > deploy/rabbitmq/definitions.json
    .venv/bin/python deploy/rabbitmq/render_definitions.py --hash-password 'a real secret'

Queues, arguments and bindings come from `forum_shared.messaging.topology` with the
`ForumSettings()` defaults (delivery limit, retry delays); `tests/deploy` re-derives them
independently and fails if the committed JSON drifts. Users and permissions are written here.

Every password in the rendered file is a PLACEHOLDER (`<user>-change-me`, hashed with a salt
derived from the user name so the file renders the same every time). Replace each
`password_hash` before the broker holds real data: `--hash-password` prints a hash with a
random salt (the same format as `rabbitmqctl hash_password` on RabbitMQ 3.11+).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import sys
from typing import Any

from forum_shared.messaging.topology import (
    CONSUMER_QUEUES,
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    UNROUTED_EXCHANGE,
    UNROUTED_QUEUE,
    dead_letter_queue,
    retry_queue,
    work_queue,
)
from forum_shared.settings import ForumSettings

VHOST = "/"
HASHING_ALGORITHM = "rabbit_password_hashing_sha256"

# Names, as regular expressions, built from the topology so a new queue is covered at once.
_WORK = "|".join(re.escape(q.name) for q in CONSUMER_QUEUES)
_EXCHANGES = "|".join(
    re.escape(e.name) for e in (EVENTS_EXCHANGE, UNROUTED_EXCHANGE, DEAD_LETTER_EXCHANGE)
)
_RETRY = r"\.retry\.[0-9]+ms"

# The queue-length guard of docs/scaling.md §3: a backlog this long means the consumers are
# gone, and the broker must stop growing before its memory or disk alarm stops every
# publisher. 10 × the capacity plan's opening (20,000 registrations), ~360 MB of disk for one
# queue at the limit (1.8 KB per queued copy, measured by bench/queue_memory.py). A work
# queue declares `x-overflow: reject-publish`, so a publish over the limit is nacked and the
# event stays in its producer's outbox until the queue drains (tests/faults/test_broker_alarms.py).
WORK_QUEUE_MAX_LENGTH = 200_000
# Work queues only, anchored: the DLQs declare no overflow mode, so a max-length there would
# silently drop the oldest dead letters; the retry queues hold few messages for seconds.
WORK_QUEUES_PATTERN = rf"^({_WORK})$"

# Each service declares the WHOLE topology at start-up (so an event published before its
# consumer ever ran still lands in that consumer's queue). RabbitMQ then requires, per
# https://www.rabbitmq.com/docs/access-control#permissions :
#   exchange.declare with alternate-exchange: configure X, write AE, read X
#   queue.declare with x-dead-letter-exchange: configure Q, write DLX, read Q
#   queue.bind: write Q, read X;   basic.publish: write X;   basic.get/consume/purge: read Q
# The default exchange (the target of retry republishes) is checked as `amq.default`.
# Checked on RabbitMQ 3.10 by tests/deploy/test_rabbitmq_permissions_live.py.
SERVICE_PERMISSIONS = {
    "configure": rf"^({_EXCHANGES}|({_WORK})(\.dlq|{_RETRY})?)$",
    # publish to forum.events / forum.dlx / amq.default; AE and DLX targets; bind work, DLQ
    # and unrouted queues.
    "write": rf"^({_EXCHANGES}|amq\.default|({_WORK})(\.dlq)?)$",
    # declaring a queue with a DLX needs read on it: work and delay queues, never the DLQs
    # (draining those is the operator's job).
    "read": rf"^({_EXCHANGES}|({_WORK})({_RETRY})?)$",
}

# What each service may publish on forum.events (topic authorisation on the routing key).
SERVICE_TOPICS = {
    "registration": r"^registration\.",
    "schedule": r"^schedule\.",
    "notifications": r"^notification\.",
}

USERS: dict[str, dict[str, Any]] = {
    **{
        f"forum-{service}": {
            "tags": [],
            "permissions": SERVICE_PERMISSIONS,
            "topic_write": topic,
        }
        for service, topic in SERVICE_TOPICS.items()
    },
    # Read-only integrator: its own `integrator.*` queues, bound to forum.events, nothing else.
    "forum-integrator": {
        "tags": [],
        "permissions": {
            "configure": r"^integrator\..+$",
            "write": r"^integrator\..+$",
            "read": rf"^({re.escape(EVENTS_EXCHANGE.name)}|integrator\..+)$",
        },
        "topic_write": "^$",
    },
    # `forum dlq list|show|replay|purge`: reads DLQs, republishes through the default exchange.
    "forum-operator": {
        "tags": ["monitoring"],
        "permissions": {
            "configure": "^$",
            "write": r"^amq\.default$",
            "read": rf"^({_WORK})\.dlq$",
        },
        "topic_write": None,
    },
    # KEDA's RabbitMQ scaler: a passive queue.declare reads the depth and needs no permission,
    # only access to the vhost.
    "forum-keda": {
        "tags": [],
        "permissions": {"configure": "^$", "write": "^$", "read": "^$"},
        "topic_write": None,
    },
    # Humans: management UI. With definitions loaded at boot RabbitMQ creates no `guest`.
    "forum-admin": {
        "tags": ["administrator"],
        "permissions": {"configure": ".*", "write": ".*", "read": ".*"},
        "topic_write": None,
    },
}


def placeholder_password(user: str) -> str:
    return f"{user.removeprefix('forum-')}-change-me"


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt + sha256(salt + password))."""
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def _queue(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "vhost": VHOST,
        "durable": True,
        "auto_delete": False,
        "arguments": dict(arguments),
    }


def _binding(source: str, destination: str, key: str) -> dict[str, Any]:
    return {
        "source": source,
        "vhost": VHOST,
        "destination": destination,
        "destination_type": "queue",
        "routing_key": key,
        "arguments": {},
    }


def render(settings: ForumSettings) -> dict[str, Any]:
    queues = [_queue(UNROUTED_QUEUE.name, UNROUTED_QUEUE.arguments or {})]
    bindings = [_binding(UNROUTED_EXCHANGE.name, UNROUTED_QUEUE.name, "")]
    for consumer in CONSUMER_QUEUES:
        work = work_queue(consumer, delivery_limit=settings.delivery_limit)
        dlq = dead_letter_queue(consumer)
        queues += [_queue(work.name, work.arguments or {}), _queue(dlq.name, dlq.arguments or {})]
        queues += [
            _queue(r.name, r.arguments or {})
            for r in (retry_queue(consumer, delay) for delay in settings.retry_delays_ms)
        ]
        bindings += [_binding(EVENTS_EXCHANGE.name, work.name, k) for k in consumer.binding_keys]
        bindings.append(_binding(DEAD_LETTER_EXCHANGE.name, dlq.name, consumer.name))
    exchanges = [
        {
            "name": exchange.name,
            "vhost": VHOST,
            "type": exchange.type.value,
            "durable": True,
            "auto_delete": False,
            "internal": False,
            "arguments": dict(exchange.arguments or {}),
        }
        for exchange in (EVENTS_EXCHANGE, UNROUTED_EXCHANGE, DEAD_LETTER_EXCHANGE)
    ]
    users, permissions, topic_permissions = [], [], []
    for name, spec in USERS.items():
        salt = hashlib.sha256(name.encode()).digest()[:4]
        users.append(
            {
                "name": name,
                "password_hash": password_hash(placeholder_password(name), salt),
                "hashing_algorithm": HASHING_ALGORITHM,
                "tags": spec["tags"],
                "limits": {},
            }
        )
        permissions.append({"user": name, "vhost": VHOST, **spec["permissions"]})
        if spec["topic_write"] is not None:
            topic_permissions.append(
                {
                    "user": name,
                    "vhost": VHOST,
                    "exchange": EVENTS_EXCHANGE.name,
                    "write": spec["topic_write"],
                    "read": ".*",
                }
            )
    return {
        "rabbit_version": "3.13.7",
        "rabbitmq_version": "3.13.7",
        "users": users,
        "vhosts": [{"name": VHOST, "limits": [], "metadata": {"description": "forum platform"}}],
        "permissions": permissions,
        "topic_permissions": topic_permissions,
        "parameters": [],
        "global_parameters": [],
        "policies": [
            {
                "vhost": VHOST,
                "name": "forum-work-queue-length-guard",
                "pattern": WORK_QUEUES_PATTERN,
                "apply-to": "queues",
                "priority": 0,
                "definition": {"max-length": WORK_QUEUE_MAX_LENGTH},
            }
        ],
        "queues": queues,
        "exchanges": exchanges,
        "bindings": bindings,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hash-password", metavar="PASSWORD", help="print a password_hash")
    args = parser.parse_args()
    if args.hash_password is not None:
        print(password_hash(args.hash_password))
        return 0
    json.dump(render(ForumSettings()), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
