"""kill -9 of each service once in the middle of a registration burst, then a restart."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faults.platform import (
    BURST,
    SCENARIO_TIMEOUT_S,
    SMTP_CONCURRENCY,
    FaultPlatform,
    Measure,
    burst_with_fault,
    consumers_back,
)
from tests.support.burst import wait_progress
from tests.support.invariants import message_id_of

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def mail_count_settled(platform: FaultPlatform, quiet_s: float = 0.3) -> int:
    """The sink's count once a DATA still being received has landed (no change for a while)."""
    count = len(platform.sink.messages)
    while True:
        await asyncio.sleep(quiet_s)
        if len(platform.sink.messages) == count:
            return count
        count = len(platform.sink.messages)


@pytest.mark.timeout(SCENARIO_TIMEOUT_S)
@pytest.mark.parametrize("service", ["registration", "schedule", "notifications"])
async def test_kill9_a_service_mid_burst_loses_and_repeats_nothing(
    platform: FaultPlatform, service: str
) -> None:
    measure = Measure(f"kill9-{service}")

    async def kill_and_restart(progress: list[int]) -> None:
        await wait_progress(progress, BURST // 3, within_s=SCENARIO_TIMEOUT_S)
        measure.values["killed_at_registration"] = progress[0]
        await platform.kill9(service)
        killed = time.monotonic()
        if service == "notifications":  # what the dead process got through, in full
            measure.values["mail_at_kill"] = await mail_count_settled(platform)
        await platform.start_service(service)
        measure.values["restart_to_ready_s"] = round(time.monotonic() - killed, 2)
        await consumers_back(platform, measure)

    # SMTP cannot join a transaction: an email the server accepted just before the kill and
    # whose "sent" mark had not committed yet goes out again after its lease, with the same
    # Message-ID. At most one repeat per send in flight at the kill, none of any other mail.
    in_flight = SMTP_CONCURRENCY if service == "notifications" else 0
    try:
        _, report = await burst_with_fault(
            platform, f"kill-{service}", kill_and_restart, measure, allowed_repeats=in_flight
        )
        first_seen = {}
        for index, mail in enumerate(platform.sink.messages):
            first_seen.setdefault(message_id_of(mail), index)
        at_kill = measure.values.get("mail_at_kill", 0)
        late = [m for m in report.repeated_message_ids if first_seen[m] >= at_kill]
        assert not late, f"repeated although first sent after the kill: {late}"
    finally:
        measure.emit()
