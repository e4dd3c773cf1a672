"""Forum rules in plain Python: code, time zone, dates, version and the event a change makes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from forum_schedule.domain.forum import Forum, ForumDetails, check_code
from forum_shared.contracts.common import LocalizedText


def details(**overrides: object) -> ForumDetails:
    values: dict[str, object] = {
        "title": LocalizedText(ru="ПромЭнергоVolga2022", en="PromEnergoVolga2022"),
        "venue": LocalizedText(ru="Волгоград Арена", en="Volgograd Arena"),
        "timezone": "Europe/Volgograd",
        "starts_on": date(2022, 11, 23),
        "ends_on": date(2022, 11, 25),
    }
    values.update(overrides)
    return ForumDetails(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["abc", "promenergovolga-2022", "a" * 64, "f-1"])
def test_valid_codes_pass(code: str) -> None:
    assert check_code(code) == code


@pytest.mark.parametrize(
    "code", ["ab", "a" * 65, "Promenergo", "forum_2022", "-abc", "abc-", "ф-22"]
)
def test_invalid_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="код форума"):
        check_code(code)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        details(timezone="Mars/Olympus")


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="ends_on"):
        details(starts_on=date(2022, 11, 25), ends_on=date(2022, 11, 23))


def test_registration_must_close_after_it_opens() -> None:
    opens = datetime(2022, 11, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="registration closes"):
        details(registration_opens_at=opens, registration_closes_at=opens)


def test_capacity_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="capacity"):
        details(capacity=0)


def test_each_revision_raises_the_version_carried_by_the_event() -> None:
    forum = Forum.create("promenergovolga-2022", details())
    assert forum.updated_event().version == 1
    revised = forum.revise(details(capacity=900))
    event = revised.updated_event()
    assert (event.version, event.capacity, event.code) == (2, 900, "promenergovolga-2022")
    assert event.timezone == "Europe/Volgograd"


def test_covers_uses_the_forum_zone() -> None:
    forum_details = details()
    # 22:30 UTC on 22 Nov is 01:30 on 23 Nov in Volgograd (UTC+3): inside the forum.
    assert forum_details.covers(datetime(2022, 11, 22, 22, 30, tzinfo=UTC))
    # 21:30 UTC on 25 Nov is 00:30 on 26 Nov in Volgograd: outside.
    assert not forum_details.covers(datetime(2022, 11, 25, 21, 30, tzinfo=UTC))
