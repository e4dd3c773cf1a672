"""Releases and conflicts over HTTP."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from forum_schedule.domain.releases import Release, SessionChange


class ReleaseIn(BaseModel):
    """`POST …/releases`: `force` with a `reason` publishes despite conflicts."""

    model_config = ConfigDict(extra="forbid")

    force: bool = False
    reason: str | None = Field(default=None, max_length=2000)


def change_out(change: SessionChange) -> dict[str, Any]:
    return {
        "session_id": str(change.session_id),
        "kind": change.kinds[0].value,
        "kinds": [kind.value for kind in change.kinds],
        "old": change.old,
        "new": change.new,
        "title": change.session.title.model_dump(),
    }


def release_out(release: Release, *, with_sessions: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "forum": release.forum_code,
        "version": release.version,
        "published_at": release.published_at.isoformat(),
        "forced_reason": release.forced_reason,
        "changes": [change_out(change) for change in release.changes],
    }
    if with_sessions:
        body["sessions"] = [snap.model_dump(mode="json") for snap in release.sessions]
    return body
