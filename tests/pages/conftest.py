"""A `forum dev` process and Debian's Chromium (never a downloaded browser) for page tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import ROOT, ServiceProcess, free_port
from tests.support.services import unavailable

CHROMIUM = Path(os.environ.get("FORUM_TEST_CHROMIUM", "/usr/lib/chromium/chromium"))
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    folder = tmp_path_factory.mktemp("pages-dev")
    port = free_port()
    server = ServiceProcess(
        "dev",
        port,
        {"FORUM_VAR_DIR": str(folder / "var"), "FORUM_ENV": "dev", "FORUM_LOG_JSON": "false"},
        folder / "dev.log",
    )
    server.start_command(["dev", "--port", str(port)])
    try:
        server.wait_ready(within_s=30)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is missing: uv sync --all-packages")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--disable-gpu"])
        try:
            yield chromium
        finally:
            chromium.close()
