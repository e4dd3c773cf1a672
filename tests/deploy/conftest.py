"""Deployment files are checked against the code with the settings' defaults, whatever the
environment of the run says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from forum_shared.settings import ForumSettings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


@pytest.fixture
def default_settings(monkeypatch: pytest.MonkeyPatch) -> ForumSettings:
    for name in list(os.environ):
        if name.startswith("FORUM_"):
            monkeypatch.delenv(name)
    return ForumSettings()
