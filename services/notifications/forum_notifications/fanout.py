"""The digest planner: turns a complete release into one queued email per affected person.

It runs as a background loop, not in a handler, because a release is complete only when
both `release.published` and every `session.changed` it lists have committed — whichever
came last. The planner reads committed state, so it cannot miss the moment.

One release becomes N email rows in one transaction (a bulk insert, no rendering), marked
planned in that same transaction: planning twice is impossible, and a crash plans nothing.
The rows are then the shared queue: every worker's sender leases them with SKIP LOCKED and
renders each digest when it leases it, so 10,000 recipients are 10,000 units of work spread
over however many workers run. A release still missing session events after `patience` is
mailed with what has arrived (logged), rather than never.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from forum_shared.db import UnitOfWork
from forum_shared.waiting import wait_for_wakeup
from sqlalchemy.ext.asyncio import AsyncSession

from forum_notifications.digest import (
    DigestPlan,
    DigestRecipient,
    field_changes,
    people_of,
    plan_digests,
    release_ready,
)
from forum_notifications.domain import EmailStatus, Template, message_id
from forum_notifications.models import ReleaseRow, SessionChangeRow
from forum_notifications.preferences import email_key
from forum_notifications.repository import (
    add_emails,
    former_holders,
    get_forum,
    preferences,
    programme,
)

log = logging.getLogger(__name__)

QUEUE_SLICE = 1_000  # digest rows per INSERT when a release is planned


class DigestPlanner:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        mail_from: str,
        poll_interval_s: float = 0.5,
        patience: timedelta = timedelta(minutes=10),
        former_holders_kept: timedelta = timedelta(days=7),
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._on_queued = on_queued  # wakes the sender once the digests are committed
        self._mail_from = mail_from
        self._poll_interval_s = poll_interval_s
        self._patience = patience
        # A cause's former holders go when its release is planned; this bounds the rest:
        # agenda changes applied after their release was planned (the agenda still counted
        # them then), or whose `session.changed` came too late for its release.
        self._former_holders_kept = former_holders_kept
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            try:
                await self.plan_ready()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("digest planning failed; retrying")
            await wait_for_wakeup(self._wakeup, self._poll_interval_s)

    async def plan_ready(self) -> int:
        """Plan every complete release; return how many emails were queued."""
        now = datetime.now(UTC)
        queued = 0
        async with self._uow() as uow:
            for release in await programme.lock_unplanned_releases(uow.session):
                queued += await self._plan(uow.session, release, now)
            await uow.commit()
        if queued and self._on_queued is not None:
            self._on_queued()
        return queued

    async def _plan(self, session: AsyncSession, release: ReleaseRow, now: datetime) -> int:
        changes = await programme.release_changes(
            session, release.forum_code, release.release_version
        )
        received_at = release.received_at.replace(tzinfo=release.received_at.tzinfo or UTC)
        ready = release_ready(
            release.session_ids,
            [str(c.session_id) for c in changes],
            received_at=received_at,
            now=now,
            patience=self._patience,
        )
        if not ready or await get_forum(session, release.forum_code) is None:
            return 0
        if len(changes) < len(release.session_ids):
            log.warning(
                "release %s of %s mailed without %d late session events",
                release.release_version,
                release.forum_code,
                len(release.session_ids) - len(changes),
            )
        plans = await self._affected(session, release.forum_code, changes)
        # In slices: the rows of a release to 30,000 people at once would be one long list
        # of dicts (and statement parameters) on top of the plans.
        for start in range(0, len(plans), QUEUE_SLICE):
            slice_ = plans[start : start + QUEUE_SLICE]
            await add_emails(session, [self._row(release, plan, now) for plan in slice_])
        programme.mark_planned(release, now=now, recipients=len(plans))
        await former_holders.forget(
            session,
            [c.event_id for c in changes if c.event_id is not None],
            removed_before=now - self._former_holders_kept,
        )
        log.info(
            "release %s of %s: %d digests queued",
            release.release_version,
            release.forum_code,
            len(plans),
        )
        return len(plans)

    async def _affected(
        self, session: AsyncSession, forum_code: str, changes: Sequence[SessionChangeRow]
    ) -> list[DigestPlan]:
        mailed = [c for c in changes if field_changes(c.previous, c.session)]
        pairs: list[tuple[DigestRecipient, uuid.UUID]] = []
        holders = await programme.agenda_holders(
            session, forum_code, [c.session_id for c in mailed]
        )
        # A cancelled session may already be gone from its holders' agendas (the agenda
        # change it caused can be applied here first); they are affected all the same.
        cancellations = {
            c.event_id: c.session_id
            for c in mailed
            if c.event_id is not None and c.session.get("status") == "cancelled"
        }
        holders += await former_holders.of_causes(session, forum_code, cancellations)
        for attendee, session_id in holders:
            recipient = DigestRecipient(
                id=attendee.registration_id,
                name=attendee.full_name,
                email=attendee.email,
                locale=attendee.locale,
                kind="attendee",
                registration_id=attendee.registration_id,
                link_generation=attendee.link_generation,
            )
            pairs.append((recipient, session_id))
        people = {c.session_id: people_of(c.previous, c.session) for c in mailed}
        speakers = await programme.speakers_by_id(session, set().union(*people.values()))
        for session_id, ids in people.items():
            for speaker_id in sorted(ids):
                speaker = speakers.get(speaker_id)
                if speaker is None or not speaker.email:
                    continue
                recipient = DigestRecipient(
                    speaker.speaker_id, speaker.full_name, speaker.email, speaker.locale, "speaker"
                )
                pairs.append((recipient, session_id))
        plans = plan_digests(pairs)
        keys = [email_key(plan.recipient.email) for plan in plans]
        off = await preferences.opted_out(session, "digests", keys)
        return [plan for plan in plans if email_key(plan.recipient.email) not in off]

    def _row(self, release: ReleaseRow, plan: DigestPlan, now: datetime) -> dict[str, Any]:
        recipient = plan.recipient
        template = Template.SCHEDULE_DIGEST.value
        return {
            "id": uuid.uuid4(),
            "source_event_id": release.event_id,
            "recipient_id": recipient.id,
            "template": template,
            "forum_code": release.forum_code,
            "correlation_id": release.correlation_id,
            "to_name": recipient.name,
            "to_email": recipient.email,
            "locale": recipient.locale,
            "message_id": message_id(release.event_id, recipient.id, template, self._mail_from),
            "status": EmailStatus.QUEUED.value,
            "attempts": 0,
            "next_attempt_at": now,
            "attachments": [],
            "payload": {
                "release_version": release.release_version,
                "session_ids": [str(s) for s in plan.session_ids],
                "kind": recipient.kind,
                "registration_id": str(recipient.registration_id or ""),
                "link_generation": recipient.link_generation,
            },
        }
