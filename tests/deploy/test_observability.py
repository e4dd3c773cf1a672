"""The dashboard and alert rules only use metrics the platform really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from forum_shared.metrics import metrics_for
from prometheus_client import CollectorRegistry

FOLDER = Path(__file__).resolve().parents[2] / "deploy" / "observability"
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def exported_names() -> set[str]:
    registry = CollectorRegistry()
    metrics_for(registry)
    names = set()
    for family in registry.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES)
    return names


def metric_names(expression: str) -> set[str]:
    return set(re.findall(r"\bforum_[a-z_]+\b", expression))


def test_alert_rules_are_well_formed_and_use_exported_metrics() -> None:
    rules = yaml.safe_load((FOLDER / "alerts.yml").read_text())
    known = exported_names()
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert len(alerts) >= 6
    for rule in alerts:
        assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule
        assert rule["labels"]["severity"] in {"page", "warning"}
        used = metric_names(rule["expr"])
        assert used, rule["alert"]
        assert used <= known, f"{rule['alert']} uses unknown metrics {used - known}"


def test_the_dashboard_uses_exported_metrics_only() -> None:
    dashboard = json.loads((FOLDER / "grafana-dashboard.json").read_text())
    known = exported_names()
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(expressions) >= 10
    for expression in expressions:
        assert metric_names(expression) <= known, expression
    covered = set().union(*(metric_names(e) for e in expressions))
    for needed in (
        "forum_queue_consumers",
        "forum_outbox_oldest_age_seconds",
        "forum_emails_total",
    ):
        assert needed in covered
