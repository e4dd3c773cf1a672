"""Prometheus metrics every service exposes on `/metrics`.

One registry per process: `forum dev` runs three services in one process, so every metric
carries a `service` label instead of each service owning a registry of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import Metric

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


@dataclass(frozen=True)
class PlatformMetrics:
    http_requests: Counter
    http_latency: Histogram
    messages: Counter
    handler_latency: Histogram
    outbox_backlog: Gauge
    outbox_oldest_age: Gauge
    queue_ready: Gauge
    queue_consumers: Gauge
    emails: Counter
    smtp_latency: Histogram
    webhook_deliveries: Counter


_BY_REGISTRY: WeakKeyDictionary[CollectorRegistry, PlatformMetrics] = WeakKeyDictionary()


def metrics_for(registry: CollectorRegistry) -> PlatformMetrics:
    """The platform's metrics in `registry`, created once however many services share it."""
    found = _BY_REGISTRY.get(registry)
    if found is None:
        found = _BY_REGISTRY[registry] = _create(registry)
    return found


def _create(registry: CollectorRegistry) -> PlatformMetrics:
    def counter(name: str, doc: str, labels: list[str]) -> Counter:
        return Counter(name, doc, ["service", *labels], registry=registry)

    def gauge(name: str, doc: str, labels: list[str]) -> Gauge:
        return Gauge(name, doc, ["service", *labels], registry=registry)

    def histogram(name: str, doc: str, labels: list[str]) -> Histogram:
        return Histogram(
            name, doc, ["service", *labels], registry=registry, buckets=LATENCY_BUCKETS
        )

    return PlatformMetrics(
        http_requests=counter(
            "forum_http_requests", "HTTP requests answered", ["method", "route", "status"]
        ),
        http_latency=histogram(
            "forum_http_request_seconds", "HTTP request latency", ["method", "route"]
        ),
        messages=counter(
            "forum_messages_handled", "Messages handled by outcome", ["queue", "outcome"]
        ),
        handler_latency=histogram(
            "forum_message_handling_seconds", "Message handling time", ["queue"]
        ),
        outbox_backlog=gauge("forum_outbox_backlog", "Events waiting in the outbox", []),
        outbox_oldest_age=gauge(
            "forum_outbox_oldest_age_seconds", "Age of the oldest unpublished event", []
        ),
        queue_ready=gauge("forum_queue_ready_messages", "Messages ready in our queues", ["queue"]),
        queue_consumers=gauge("forum_queue_consumers", "Consumers on our queues", ["queue"]),
        emails=counter("forum_emails", "Emails by outcome (sent, failed, retried)", ["outcome"]),
        smtp_latency=histogram("forum_smtp_send_seconds", "SMTP send time", []),
        webhook_deliveries=counter(
            "forum_webhook_deliveries", "Webhook deliveries by outcome", ["outcome"]
        ),
    )


class _Families:
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def merged_exposition(registries: Iterable[CollectorRegistry]) -> bytes:
    """One exposition of several registries (the services of `forum dev`), families merged."""
    families: dict[str, Metric] = {}
    for registry in registries:
        for family in registry.collect():
            if family.name in families:
                families[family.name].samples.extend(family.samples)
            else:
                merged = Metric(family.name, family.documentation, family.type, family.unit)
                merged.samples = list(family.samples)
                families[family.name] = merged
    combined = CollectorRegistry(auto_describe=False)
    combined.register(_Families(list(families.values())))
    return generate_latest(combined)
