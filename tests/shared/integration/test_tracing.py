"""One trace from the use case through the outbox and RabbitMQ to the consumer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from forum_shared.settings import ForumSettings
from forum_shared.tracing import tracer
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.shared.harness import ScriptedHandler, cancelled_event, count_effects
from tests.shared.integration.conftest import eventually, harness_runtime

pytestmark = pytest.mark.integration


async def test_the_trace_follows_an_event_from_request_to_handler(
    make_settings: Callable[..., ForumSettings], amqp_url: str, spans: InMemorySpanExporter
) -> None:
    runtime = harness_runtime(make_settings(amqp_url=amqp_url), ScriptedHandler())
    await runtime.start()
    try:
        event = cancelled_event()
        with tracer().start_as_current_span("POST /registrations", kind=SpanKind.SERVER) as root:
            async with runtime.uow() as uow:
                uow.record(event)
                await uow.commit()
        trace_id = root.get_span_context().trace_id

        async def handled() -> bool:
            return await count_effects(runtime.engine, event.event_id) == 1

        await eventually(handled)
    finally:
        await runtime.stop()
    finished = {span.name: span for span in spans.get_finished_spans()}
    publish = finished["publish registration.attendee.cancelled"]
    process = finished["process notifications.registration"]
    assert publish.context.trace_id == trace_id
    assert process.context.trace_id == trace_id
    assert process.parent is not None
    assert process.parent.span_id == publish.context.span_id
    assert process.attributes["forum.outcome"] == "done"
