"""The deliberate broker and topology choices, and the architecture rules around them."""

import re
from pathlib import Path

from faststream import AckPolicy
from forum_shared.messaging.rabbit import broker_options
from forum_shared.messaging.topology import (
    CONSUMER_QUEUES,
    EVENTS_EXCHANGE,
    work_queue_arguments,
)
from forum_shared.settings import ForumSettings

ROOT = Path(__file__).resolve().parents[3]


def test_broker_confirms_raises_on_returns_bounds_prefetch_and_waits_on_shutdown() -> None:
    options = broker_options(ForumSettings(prefetch_count=16), service="registration")
    channel = options["default_channel"]
    assert channel.publisher_confirms is True
    assert channel.on_return_raises is True
    assert channel.prefetch_count == 16
    assert options["graceful_timeout"] >= 30
    assert options["ack_policy"] is AckPolicy.MANUAL


def test_work_queues_are_quorum_with_delivery_limit_and_dead_letter_route() -> None:
    for queue in CONSUMER_QUEUES:
        arguments = work_queue_arguments(queue, delivery_limit=10)
        assert arguments["x-queue-type"] == "quorum"
        assert arguments["x-delivery-limit"] == 10
        assert arguments["x-dead-letter-routing-key"] == queue.name
        assert arguments["x-dead-letter-strategy"] == "at-least-once"
        assert arguments["x-overflow"] == "reject-publish"
        assert re.fullmatch(r"(registration|schedule|notifications)\.[a-z-]+", queue.name)


def test_events_exchange_keeps_unroutable_events_instead_of_dropping_them() -> None:
    assert EVENTS_EXCHANGE.arguments == {"alternate-exchange": "forum.unrouted"}


def _python_files(*parts: str) -> list[Path]:
    return [p for p in ROOT.joinpath(*parts).rglob("*.py") if ".venv" not in p.parts]


def test_no_broker_is_made_outside_the_factory() -> None:
    factory = ROOT / "shared/forum_shared/messaging/rabbit.py"
    offenders = [
        p
        for p in _python_files("shared") + _python_files("services") + _python_files("cli")
        if p != factory and "RabbitBroker(" in p.read_text()
    ]
    assert offenders == []


def test_services_never_import_each_other_and_shared_imports_no_service() -> None:
    services = ("forum_registration", "forum_schedule", "forum_notifications")
    for path in _python_files("shared"):
        text = path.read_text()
        assert not any(f"import {s}" in text or f"from {s}" in text for s in services), path
    for own in services:
        folder = own.removeprefix("forum_")
        for path in _python_files("services", folder):
            text = path.read_text()
            others = [s for s in services if s != own]
            assert not any(f"import {s}" in text or f"from {s}" in text for s in others), path
