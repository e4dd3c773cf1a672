"""Hostile input over HTTP: schemathesis fuzzes every operation of the three services.

The platform runs as `forum dev` in its own process (SQLite, in-process bus, local mailbox),
so every operation of every service is reachable on one port. Each operation must never
answer 5xx and every answer must match the documented schema — both without a token (the
admin API must refuse cleanly) and with the organiser's token (so inputs reach deep).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from forum_cli.dev import create_dev_app
from forum_shared.settings import ForumSettings
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.processes import ServiceProcess, free_port

ADMIN_TOKEN = "fuzz-admin-token-0123456789"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
EXAMPLES_PER_OPERATION = 20


def _platform_schema() -> dict[str, Any]:
    # Built in-process at collection time: create_app wires routes without connecting anything.
    app = create_dev_app(ForumSettings(var_dir=Path("/nonexistent-fuzz")), mailbox=None)
    raw = app.platform.openapi()
    raw["paths"] = {p: ops for p, ops in raw["paths"].items() if not p.startswith("/dev/")}
    return raw


SCHEMA = schemathesis.openapi.from_dict(_platform_schema())
OPERATIONS = {op.ok().label: op.ok() for op in SCHEMA.get_all_operations()}


@pytest.fixture(scope="module")
def platform_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    process = ServiceProcess(
        "dev",
        free_port(),
        {
            "FORUM_VAR_DIR": str(folder / "var"),
            "FORUM_ENV": "test",
            "FORUM_ADMIN_TOKEN": ADMIN_TOKEN,
            "FORUM_SECRET_KEY": "fuzz-secret-key-0123456789abcdef0123",
        },
        folder / "dev.log",
    )
    process.start_command(["dev", "--port", str(process.port)])
    try:
        process.wait_ready()
        yield process.url
    finally:
        process.stop()
    assert "Traceback" not in process.logs(), process.logs()


@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "organiser"])
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_operation_breaks_or_strays_from_its_schema(
    label: str, with_token: bool, platform_url: str
) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if with_token else {}

    @given(case=OPERATIONS[label].as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=platform_url, headers=headers, checks=CHECKS)

    fuzz()
