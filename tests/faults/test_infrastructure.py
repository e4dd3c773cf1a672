"""Faults of what the services stand on: the broker, the network to it, PostgreSQL, SMTP."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faults.platform import (
    BURST,
    SCENARIO_TIMEOUT_S,
    FaultPlatform,
    Measure,
    burst_with_fault,
    consumers_back,
)
from tests.support.burst import wait_progress

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PG_OUTAGE_S = 10.0
AMQP_CUT_S = 15.0


async def mail_flowing(platform: FaultPlatform, within_s: float = 60) -> None:
    """Until the SMTP server is receiving (a new email within the last 50 ms)."""
    deadline = time.monotonic() + within_s
    seen = len(platform.sink.messages)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        now = len(platform.sink.messages)
        if now > seen:
            return
        seen = now
    raise AssertionError("no email reached the SMTP server while the burst ran")


@pytest.mark.timeout(SCENARIO_TIMEOUT_S)
async def test_broker_killed_mid_burst_and_restarted(platform: FaultPlatform) -> None:
    measure = Measure("kill9-broker")

    async def crash_broker(progress: list[int]) -> None:
        await wait_progress(progress, BURST // 3, within_s=SCENARIO_TIMEOUT_S)
        measure.values["killed_at_registration"] = progress[0]
        await asyncio.to_thread(platform.rabbit.kill9)
        measure.values["broker_boot_s"] = round(await asyncio.to_thread(platform.rabbit.start), 2)
        await consumers_back(platform, measure)

    try:
        await burst_with_fault(platform, "broker", crash_broker, measure)
    finally:
        measure.emit()


@pytest.mark.timeout(SCENARIO_TIMEOUT_S)
async def test_postgresql_stopped_for_10_s_mid_burst(platform: FaultPlatform) -> None:
    measure = Measure("postgres-down-10s")

    async def stop_database(progress: list[int]) -> None:
        await wait_progress(progress, BURST // 3, within_s=SCENARIO_TIMEOUT_S)
        await mail_flowing(platform)  # the stop lands while emails are being sent
        measure.values["stopped_at_registration"] = progress[0]
        await asyncio.to_thread(platform.postgres.stop_immediate)
        stopped = time.monotonic()
        await asyncio.sleep(PG_OUTAGE_S)
        measure.values["registrations_during_outage"] = (
            progress[0] - measure.values["stopped_at_registration"]
        )
        await asyncio.to_thread(platform.postgres.start)
        measure.values["outage_s"] = round(time.monotonic() - stopped, 2)

    try:
        await burst_with_fault(platform, "postgres", stop_database, measure)
    finally:
        measure.emit()


@pytest.mark.timeout(SCENARIO_TIMEOUT_S)
async def test_amqp_connections_cut_for_15_s_mid_burst(platform: FaultPlatform) -> None:
    measure = Measure("amqp-cut-15s")

    async def cut_network(progress: list[int]) -> None:
        await wait_progress(progress, BURST // 3, within_s=SCENARIO_TIMEOUT_S)
        measure.values["cut_at_registration"] = progress[0]
        open_before = platform.proxy.open_connections
        await asyncio.to_thread(platform.proxy.cut)
        await asyncio.sleep(AMQP_CUT_S)
        measure.values["refused_during_cut"] = platform.proxy.refused
        platform.proxy.resume()
        measure.values["connections_cut"] = open_before
        assert open_before >= 3, "the services were not connected through the proxy"
        await consumers_back(platform, measure)

    try:
        await burst_with_fault(platform, "amqp", cut_network, measure)
    finally:
        measure.emit()


@pytest.mark.timeout(SCENARIO_TIMEOUT_S)
async def test_smtp_answers_451_three_times_then_accepts(platform: FaultPlatform) -> None:
    measure = Measure("smtp-451x3")

    async def refuse_mail(progress: list[int]) -> None:
        await wait_progress(progress, BURST // 3, within_s=SCENARIO_TIMEOUT_S)
        platform.sink.fail_next(3, "451 4.3.0 Try again later")

    try:
        await burst_with_fault(platform, "smtp", refuse_mail, measure)
        assert platform.sink.handler.fail_next == 0, "the 451s were never asked for"
    finally:
        measure.emit()
