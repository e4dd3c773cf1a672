"""`deploy/rabbitmq/definitions.json` matches the topology declared in code, so a service
re-declaring it at start-up never meets a 406, and its users hold exactly what they need."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import pytest
from forum_shared.contracts import EVENT_CATALOGUE
from forum_shared.messaging.topology import (
    CONSUMER_QUEUES,
    DEAD_LETTER_EXCHANGE_NAME,
    EVENTS_EXCHANGE_NAME,
    UNROUTED_EXCHANGE_NAME,
    UNROUTED_MAX_LENGTH,
    UNROUTED_QUEUE_NAME,
    dead_letter_queue,
    retry_queue,
    work_queue,
    work_queue_arguments,
)
from forum_shared.settings import ForumSettings

from tests.deploy.conftest import DEPLOY

SERVICES = ("registration", "schedule", "notifications")
# The contracts module an event type is defined in names the service that publishes it.
PRODUCER_OF_MODULE = {
    "forum_shared.contracts.registration": "registration",
    "forum_shared.contracts.schedule": "schedule",
    "forum_shared.contracts.notification": "notifications",
}


@pytest.fixture(scope="module")
def definitions() -> dict[str, Any]:
    return json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())


def _matches(pattern: str, name: str) -> bool:
    # RabbitMQ treats "" as "^$" and otherwise searches (re:run), like re.search.
    return re.search(pattern or "^$", name) is not None


def _permissions(definitions: dict[str, Any], user: str) -> dict[str, str]:
    (entry,) = [p for p in definitions["permissions"] if p["user"] == user]
    assert entry["vhost"] == "/"
    return entry


def _expected_queues(settings: ForumSettings) -> dict[str, dict[str, Any]]:
    queues = {
        UNROUTED_QUEUE_NAME: {
            "x-queue-type": "quorum",
            "x-max-length": UNROUTED_MAX_LENGTH,
            "x-overflow": "drop-head",
        }
    }
    for consumer in CONSUMER_QUEUES:
        queues[consumer.name] = work_queue_arguments(
            consumer, delivery_limit=settings.delivery_limit
        )
        queues[consumer.dlq_name] = dict(dead_letter_queue(consumer).arguments or {})
        for delay in settings.retry_delays_ms:
            queues[consumer.retry_queue_name(delay)] = dict(
                retry_queue(consumer, delay).arguments or {}
            )
    return queues


def test_queues_and_arguments_are_exactly_the_declared_ones(
    definitions: dict[str, Any], default_settings: ForumSettings
) -> None:
    expected = _expected_queues(default_settings)
    found = {q["name"]: q for q in definitions["queues"]}
    assert sorted(found) == sorted(expected)
    for name, arguments in expected.items():
        queue = found[name]
        assert queue["arguments"] == arguments, name
        assert (queue["vhost"], queue["durable"], queue["auto_delete"]) == ("/", True, False)
    # What the brief pins down, spelled out: the default delivery limit on every work queue.
    for consumer in CONSUMER_QUEUES:
        arguments = found[consumer.name]["arguments"]
        assert arguments["x-delivery-limit"] == default_settings.delivery_limit == 10
        assert arguments == dict(work_queue(consumer, delivery_limit=10).arguments or {})
    assert len([n for n in found if ".retry." in n]) == len(CONSUMER_QUEUES) * len(
        default_settings.retry_delays_ms
    )


def test_exchanges_match_the_topology(definitions: dict[str, Any]) -> None:
    found = {
        e["name"]: (e["type"], e["durable"], e["auto_delete"], e["internal"], e["arguments"])
        for e in definitions["exchanges"]
    }
    assert found == {
        EVENTS_EXCHANGE_NAME: (
            "topic",
            True,
            False,
            False,
            {"alternate-exchange": UNROUTED_EXCHANGE_NAME},
        ),
        UNROUTED_EXCHANGE_NAME: ("fanout", True, False, False, {}),
        DEAD_LETTER_EXCHANGE_NAME: ("direct", True, False, False, {}),
    }


def test_bindings_match_the_topology(definitions: dict[str, Any]) -> None:
    expected = {(UNROUTED_EXCHANGE_NAME, UNROUTED_QUEUE_NAME, "")}
    for consumer in CONSUMER_QUEUES:
        expected |= {(EVENTS_EXCHANGE_NAME, consumer.name, key) for key in consumer.binding_keys}
        expected.add((DEAD_LETTER_EXCHANGE_NAME, consumer.dlq_name, consumer.name))
    found = [
        (b["source"], b["destination"], b["routing_key"])
        for b in definitions["bindings"]
        if b["destination_type"] == "queue" and b["vhost"] == "/"
    ]
    assert len(found) == len(definitions["bindings"]) == len(set(found))
    assert set(found) == expected


def test_every_service_may_do_exactly_what_it_declares_publishes_and_consumes(
    definitions: dict[str, Any], default_settings: ForumSettings
) -> None:
    queues = set(_expected_queues(default_settings))
    exchanges = {EVENTS_EXCHANGE_NAME, UNROUTED_EXCHANGE_NAME, DEAD_LETTER_EXCHANGE_NAME}
    work = {c.name for c in CONSUMER_QUEUES}
    dlqs = {c.dlq_name for c in CONSUMER_QUEUES}
    retries = {n for n in queues if ".retry." in n}
    # Per the access-control table: declare = configure; AE / DLX targets, bound queues and
    # published-to exchanges (the default one is `amq.default`) = write; exchanges bound
    # from, queues declared with a DLX, consumed queues = read.
    needed = {
        "configure": queues | exchanges,
        "write": exchanges | {"amq.default", UNROUTED_QUEUE_NAME} | work | dlqs,
        "read": exchanges | work | retries,
    }
    forbidden = {
        "configure": {"amq.default", "integrator.crm", "forum.eventsX", "registration.schedule2"},
        "write": retries | {"integrator.crm", "amq.topic", "registration.schedule.dlqx"},
        "read": dlqs | {"integrator.crm", "amq.default", "forum.events.x"},
    }
    for service in SERVICES:
        permissions = _permissions(definitions, f"forum-{service}")
        for kind in ("configure", "write", "read"):
            for name in needed[kind]:
                assert _matches(permissions[kind], name), (service, kind, name)
            for name in forbidden[kind]:
                assert not _matches(permissions[kind], name), (service, kind, name)


def test_services_publish_only_their_own_events(definitions: dict[str, Any]) -> None:
    topics = {
        t["user"]: t
        for t in definitions["topic_permissions"]
        if t["exchange"] == EVENTS_EXCHANGE_NAME
    }
    event_types = {(key[0], contract.__module__) for key, contract in EVENT_CATALOGUE.items()}
    assert event_types
    for event_type, module in event_types:
        producer = PRODUCER_OF_MODULE[module]
        for service in SERVICES:
            allowed = _matches(topics[f"forum-{service}"]["write"], event_type)
            assert allowed == (service == producer), (service, event_type)
    assert not _matches(topics["forum-integrator"]["write"], "registration.attendee.registered")


def test_integrator_only_reads_forum_events_into_its_own_queues(
    definitions: dict[str, Any], default_settings: ForumSettings
) -> None:
    permissions = _permissions(definitions, "forum-integrator")
    own = "integrator.crm"
    assert _matches(permissions["configure"], own)
    assert _matches(permissions["write"], own)  # queue.bind needs write on the queue
    assert _matches(permissions["read"], own)  # consume
    assert _matches(permissions["read"], EVENTS_EXCHANGE_NAME)  # queue.bind needs read on X
    platform = set(_expected_queues(default_settings)) | {
        EVENTS_EXCHANGE_NAME,
        UNROUTED_EXCHANGE_NAME,
        DEAD_LETTER_EXCHANGE_NAME,
        "amq.default",
    }
    for name in platform | {"integrator", "crm.integrator.x"}:
        assert not _matches(permissions["configure"], name), name
        assert not _matches(permissions["write"], name), name
    for name in platform - {EVENTS_EXCHANGE_NAME}:
        assert not _matches(permissions["read"], name), name


def test_operator_and_keda_users_are_narrow(definitions: dict[str, Any]) -> None:
    operator = _permissions(definitions, "forum-operator")
    for consumer in CONSUMER_QUEUES:
        assert _matches(operator["read"], consumer.dlq_name)  # forum dlq list/replay/purge
        assert not _matches(operator["read"], consumer.name)
    assert _matches(operator["write"], "amq.default")  # replay to the work queue
    assert not _matches(operator["write"], EVENTS_EXCHANGE_NAME)
    keda = _permissions(definitions, "forum-keda")  # passive declare only: vhost access
    for kind in ("configure", "write", "read"):
        for name in ("notifications.registration", EVENTS_EXCHANGE_NAME, "amq.default"):
            assert not _matches(keda[kind], name)


def test_passwords_are_documented_placeholders_in_rabbitmq_hash_format(
    definitions: dict[str, Any],
) -> None:
    users = {u["name"]: u for u in definitions["users"]}
    assert {f"forum-{s}" for s in SERVICES} | {"forum-integrator"} <= set(users)
    assert "guest" not in users
    for name, user in users.items():
        assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
        raw = base64.b64decode(user["password_hash"], validate=True)
        assert len(raw) == 4 + 32
        salt, digest = raw[:4], raw[4:]
        placeholder = name.removeprefix("forum-") + "-change-me"
        assert hashlib.sha256(salt + placeholder.encode()).digest() == digest, name
    assert {p["user"] for p in definitions["permissions"]} == set(users)
    readme = (DEPLOY / "README.md").read_text()
    assert "-change-me" in readme and "--hash-password" in readme


def test_no_policy_overrides_what_the_code_declares(definitions: dict[str, Any]) -> None:
    owned_by_code = ("delivery-limit", "dead-letter", "overflow", "queue-mode", "message-ttl")
    for policy in definitions["policies"]:
        for key in policy["definition"]:
            assert not key.startswith(owned_by_code), (policy["name"], key)
    assert definitions["vhosts"] == [
        {"name": "/", "limits": [], "metadata": {"description": "forum platform"}}
    ]


def test_the_length_guard_covers_the_work_queues_and_nothing_else(
    definitions: dict[str, Any],
) -> None:
    """docs/scaling.md §3: a max-length on a DLQ (no overflow mode declared) would silently
    drop the oldest dead letters, so the guard must match the work queues only."""
    [guard] = [p for p in definitions["policies"] if "max-length" in p["definition"]]
    assert guard["apply-to"] == "queues" and guard["vhost"] == "/"
    guarded = {q["name"] for q in definitions["queues"] if re.search(guard["pattern"], q["name"])}
    assert guarded == {consumer.name for consumer in CONSUMER_QUEUES}
    for queue in definitions["queues"]:
        if queue["name"] in guarded:
            # Over the limit the publish is refused (nacked), so the outbox keeps the event.
            assert queue["arguments"]["x-overflow"] == "reject-publish", queue["name"]
    assert guard["definition"]["max-length"] >= 10 * 20_000
