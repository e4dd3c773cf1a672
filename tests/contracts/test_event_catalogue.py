"""The published event documents match the code, are valid AsyncAPI, and v1 never breaks."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

from forum_cli.docs import all_documents, render
from forum_shared.asyncapi import contract_schemas

from tests.contracts.compat import SNAPSHOT, breaking_changes
from tests.support.services import unavailable

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "asyncapi"
PARSER_MODULES = Path(__file__).with_name("node_modules")


def test_committed_asyncapi_documents_match_the_code() -> None:
    for name, document in all_documents().items():
        committed = DOCS / f"{name}.json"
        assert committed.exists(), f"{committed} missing: run `forum docs`"
        assert committed.read_text(encoding="utf-8") == render(document), (
            f"{committed} is out of date: run `forum docs` and commit the result"
        )


def test_the_asyncapi_documents_are_valid_for_the_official_parser() -> None:
    node = shutil.which("node")
    if node is None or not (PARSER_MODULES / "@asyncapi" / "parser").exists():
        unavailable("AsyncAPI parser not installed: npm ci --prefix tests/contracts (.ci/run does)")
    result = subprocess.run(
        [node, str(Path(__file__).with_name("validate_asyncapi.mjs")), str(PARSER_MODULES)]
        + [str(path) for path in sorted(DOCS.glob("*.json"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    reports = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == 4, result.stderr
    assert all(not report["errors"] for report in reports), reports


def test_the_catalogue_documents_every_event_with_an_example() -> None:
    catalogue = all_documents()["catalogue"]
    assert len(catalogue["channels"]) >= 17
    for channel in catalogue["channels"].values():
        [message_ref] = channel["messages"].values()
        message = catalogue["components"]["messages"][message_ref["$ref"].rsplit("/", 1)[1]]
        example = message["examples"][0]["payload"]
        assert example["type"] == channel["address"]


def test_v1_contracts_only_change_additively() -> None:
    problems = breaking_changes(json.loads(SNAPSHOT.read_text()), contract_schemas())
    assert problems == [], "v1 contract broken (publish a v2 beside v1 instead)"


def test_the_compatibility_check_catches_removed_and_retyped_fields() -> None:
    old = json.loads(SNAPSHOT.read_text())
    changed = copy.deepcopy(old)
    del changed["AttendeeRegistered"]["properties"]["email"]
    changed["ForumUpdated"]["properties"]["capacity"] = {"type": "string"}
    changed["AttendeeCancelled"]["required"].append("reason")
    problems = breaking_changes(old, changed)
    assert "AttendeeRegistered.email: removed" in problems
    assert any(p.startswith("ForumUpdated.capacity: retyped") for p in problems)
    assert "AttendeeCancelled.reason: now required (old events lack it)" in problems
