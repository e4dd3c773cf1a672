"""deploy/README.md documents every setting the code reads and the operator's commands."""

from __future__ import annotations

from forum_shared.settings import ForumSettings

from tests.deploy.conftest import DEPLOY

GUIDE = (DEPLOY / "README.md").read_text()


def test_every_setting_has_a_row_in_the_configuration_table() -> None:
    rows = {line.split("|")[1].strip(" `") for line in GUIDE.splitlines() if line.startswith("| `")}
    expected = {f"FORUM_{name.upper()}" for name in ForumSettings.model_fields}
    assert expected <= rows, sorted(expected - rows)


def test_the_guide_covers_scaling_watching_dead_letters_and_personal_data() -> None:
    for needle in (
        "--scale notifications",
        "max_connections",
        "FORUM_PREFETCH_COUNT",
        "forum dlq list",
        "forum dlq replay",
        "terminationGracePeriodSeconds",
        "152-FZ",
        "24 hours",
    ):
        assert needle in GUIDE, needle
