"""Draft sessions: time order, versions that refuse stale edits, cancellation."""

from __future__ import annotations

import pytest
from forum_schedule.domain.errors import (
    ConflictError,
    InvalidError,
    PreconditionFailedError,
    StaleVersionError,
)
from forum_schedule.domain.sessions import make_plan
from forum_schedule.domain.versions import Expected
from forum_shared.contracts.common import SessionType

from tests.schedule.unit.builders import at, session, text


def test_a_session_must_end_after_it_starts() -> None:
    with pytest.raises(InvalidError, match="ends_at"):
        make_plan(title=text("X"), type=SessionType.PANEL, starts_at=at(23, 12), ends_at=at(23, 12))


def test_an_edit_raises_the_version_and_a_stale_one_is_refused() -> None:
    draft = session("Панель", at(23, 10), at(23, 12))
    edited = draft.edit({"starts_at": at(23, 9)})
    assert (edited.version, edited.plan.starts_at) == (2, at(23, 9))
    with pytest.raises(StaleVersionError) as stale:
        edited.check_version(Expected(1))
    assert stale.value.details == {"current_version": 2}
    with pytest.raises(PreconditionFailedError):
        edited.check_version(Expected(1, from_header=True))
    edited.check_version(Expected(2, from_header=True))


def test_an_edit_that_breaks_time_order_is_invalid() -> None:
    draft = session("Панель", at(23, 10), at(23, 12))
    with pytest.raises(InvalidError):
        draft.edit({"ends_at": at(23, 9)})


def test_cancel_once_then_no_edits() -> None:
    cancelled = session("Панель", at(23, 10), at(23, 12)).cancel()
    assert (cancelled.cancelled, cancelled.version) == (True, 2)
    with pytest.raises(ConflictError):
        cancelled.cancel()
    with pytest.raises(ConflictError):
        cancelled.edit({"track": "ТЭК"})
