"""An operator finds a dead letter, fixes the cause, and replays it with the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aio_pika
import pytest
from forum_cli.main import main
from forum_shared.messaging.topology import NOTIFICATIONS_REGISTRATION
from forum_shared.settings import ForumSettings

from tests.shared.harness import ScriptedHandler, cancelled_event, count_effects
from tests.shared.integration.conftest import eventually, harness_runtime, publish_envelope

pytestmark = pytest.mark.integration


async def test_a_dead_letter_is_listed_with_its_reason_replayed_after_the_fix_and_processed(
    make_settings: Callable[..., ForumSettings],
    amqp_url: str,
    amqp: aio_pika.abc.AbstractConnection,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    poison = cancelled_event()
    handler = ScriptedHandler(always_fail_ids={poison.event_id})
    runtime = harness_runtime(make_settings(amqp_url=amqp_url), handler)
    await runtime.start()
    monkeypatch.setenv("FORUM_AMQP_URL", amqp_url)
    try:
        await publish_envelope(amqp, poison)

        async def dead_lettered() -> bool:
            channel = await amqp.channel()
            queue = await channel.declare_queue(NOTIFICATIONS_REGISTRATION.dlq_name, passive=True)
            await channel.close()
            return bool(queue.declaration_result.message_count)

        await eventually(dead_lettered)

        # `forum dlq` runs its own event loop, as it does from a shell: run it in a thread.
        assert await asyncio.to_thread(main, ["dlq", "list", "notifications.registration"]) == 0
        listing = capsys.readouterr().out
        assert str(poison.event_id) in listing
        assert "poison" in listing
        assert "1 dead letter(s)" in listing

        handler.always_fail_ids.clear()  # the operator deploys the fix
        replay = ["dlq", "replay", "notifications.registration", "--id", str(poison.event_id)]
        assert await asyncio.to_thread(main, replay) == 0
        assert "replayed 1 message(s)" in capsys.readouterr().out

        async def processed() -> bool:
            return await count_effects(runtime.engine, poison.event_id) == 1

        await eventually(processed)
        assert not await dead_lettered()
    finally:
        await runtime.stop()


def test_dlq_commands_refuse_unknown_queues_and_purge_without_confirmation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FORUM_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    assert main(["dlq", "list", "no.such-queue"]) == 2
    assert "unknown queue" in capsys.readouterr().err
    assert main(["dlq", "purge", "notifications.registration"]) == 2
    assert "--yes" in capsys.readouterr().err
