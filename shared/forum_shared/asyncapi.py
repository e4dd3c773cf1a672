"""The event catalogue as AsyncAPI 3.0 documents, generated from the contracts and topology.

FastStream can generate AsyncAPI from subscribers, but ours take raw bytes on purpose (so a
malformed message reaches the dead-letter queue with a reason), which would leave every
payload untyped. The contracts in `forum_shared.contracts` are the source of truth, so the
documents are built from them: one per service (what it publishes and what it consumes) and
one catalogue for integrators.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from forum_shared.contracts import EVENT_CATALOGUE, EventData, EventEnvelope
from forum_shared.messaging.topology import (
    CONSUMER_QUEUES,
    EVENTS_EXCHANGE_NAME,
    ConsumerQueue,
)

REF = "#/components/schemas/{model}"
EXAMPLE_TIME = datetime(2022, 11, 23, 10, 0, tzinfo=UTC)
PRODUCERS = {
    "registration": "registration",
    "schedule": "schedule",
    "notification": "notifications",
}


def _key(event_type: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", event_type)


def _message_name(contract: type[EventData]) -> str:
    return contract.__name__


def contract_schemas() -> dict[str, Any]:
    """JSON schemas of every payload, keyed by model name, refs into components/schemas."""
    models: list[tuple[type[BaseModel], Literal["validation"]]] = [
        (contract, "validation") for contract in EVENT_CATALOGUE.values()
    ]
    models.append((EventEnvelope, "validation"))
    _, top = models_json_schema(models, ref_template=REF)
    return dict(top.get("$defs", {}))


def example_data(contract: type[EventData], schemas: Mapping[str, Any]) -> dict[str, Any]:
    """A valid example payload, built from the schema and checked against the contract."""
    schema = schemas[contract.__name__]
    data: dict[str, Any] = _example(schema, schemas)
    contract.model_validate(data)
    return data


def _example(schema: Mapping[str, Any], schemas: Mapping[str, Any], name: str = "") -> Any:
    if "$ref" in schema:
        return _example(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas, name)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _example(options[0], schemas, name) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: _example(value, schemas, key) for key, value in properties.items()}
    if kind == "array":
        return [_example(schema.get("items", {}), schemas, name)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "boolean":
        return False
    if fmt == "uuid":
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"forum-example/{name}"))
    if fmt == "date-time":
        return EXAMPLE_TIME.isoformat()
    if fmt == "date":
        return date(2022, 11, 23).isoformat()
    return _SAMPLE_TEXT.get(name, "Волгоград Арена")


_SAMPLE_TEXT = {
    "email": "maria.ivanova@example.ru",
    "full_name": "Иванова Мария Сергеевна",
    "timezone": "Europe/Volgograd",
    "code": "promenergovolga-2022",
    "ru": "Пленарное заседание",
    "en": "Plenary session",
    "locale": "ru",
    "region": "Волгоградская область",
    "message_id": "<example@forum.local>",
    "template": "confirmation",
}


def _envelope_schema(contract: type[EventData]) -> dict[str, Any]:
    return {
        "allOf": [
            {"$ref": REF.format(model="EventEnvelope")},
            {
                "type": "object",
                "properties": {
                    "type": {"const": contract.event_type},
                    "version": {"const": contract.event_version},
                    "data": {"$ref": REF.format(model=contract.__name__)},
                },
            },
        ]
    }


def build_document(
    *,
    title: str,
    description: str,
    sends: Iterable[str],
    receives: Mapping[ConsumerQueue, Iterable[str]],
) -> dict[str, Any]:
    """An AsyncAPI 3.0 document for the given sent event types and consumed queues."""
    schemas = contract_schemas()
    by_type = {contract.event_type: contract for contract in EVENT_CATALOGUE.values()}
    sent, received = sorted(set(sends)), {q: sorted(set(t)) for q, t in receives.items()}
    used = sorted(set(sent).union(*received.values()))
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type in used:
        contract = by_type[event_type]
        name = _message_name(contract)
        envelope = EventEnvelope.wrap(
            contract.model_validate(example_data(contract, schemas)),
            producer=PRODUCERS[event_type.split(".")[0]],
            forum="promenergovolga-2022",
        ).model_copy(
            update={
                "event_id": uuid.uuid5(uuid.NAMESPACE_URL, f"forum-example/{event_type}"),
                "occurred_at": EXAMPLE_TIME,
            }
        )
        messages[name] = {
            "name": event_type,
            "title": name,
            "summary": (contract.__doc__ or event_type).strip().splitlines()[0],
            "contentType": "application/json",
            "payload": _envelope_schema(contract),
            "examples": [{"name": "example", "payload": envelope.model_dump(mode="json")}],
            "bindings": {"amqp": {"messageType": event_type, "bindingVersion": "0.3.0"}},
        }
        channels[_key(event_type)] = {
            "address": event_type,
            "description": f"Routing key `{event_type}` on the exchange `{EVENTS_EXCHANGE_NAME}`.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {
                        "name": EVENTS_EXCHANGE_NAME,
                        "type": "topic",
                        "durable": True,
                        "autoDelete": False,
                        "vhost": "/",
                    },
                    "bindingVersion": "0.3.0",
                }
            },
        }
    operations: dict[str, Any] = {}
    for event_type in sent:
        name = _message_name(by_type[event_type])
        operations[f"publish_{_key(event_type)}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{_key(event_type)}"},
            "messages": [{"$ref": f"#/channels/{_key(event_type)}/messages/{name}"}],
            "bindings": {
                # Persistent, mandatory, with publisher confirms: see forum_shared.messaging.
                "amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": "0.3.0"}
            },
        }
    for queue, event_types in received.items():
        for event_type in event_types:
            name = _message_name(by_type[event_type])
            operations[f"{_key(queue.name)}__{_key(event_type)}"] = {
                "action": "receive",
                "description": f"Consumed from the queue `{queue.name}`. {queue.description}",
                "channel": {"$ref": f"#/channels/{_key(event_type)}"},
                "messages": [{"$ref": f"#/channels/{_key(event_type)}/messages/{name}"}],
                "bindings": {
                    "amqp": {"ack": True, "bindingVersion": "0.3.0"},
                },
            }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": "1", "description": description},
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {
                "host": "rabbitmq:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "Integrators bind their own `integrator.*` queues (read-only user).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def catalogue_document() -> dict[str, Any]:
    """Every event on the bus, for integrators: each one as something they can receive."""
    every = sorted(contract.event_type for contract in EVENT_CATALOGUE.values())
    integrator = ConsumerQueue(
        "integrator.example", ("#",), "An integrator's own queue bound to the keys it needs."
    )
    return build_document(
        title="Forum platform events",
        description=(
            "Every event the forum platform publishes on the topic exchange `forum.events`. "
            "Each message is one JSON envelope; `event_id` is the idempotency key and the AMQP "
            "message_id; `type` equals the routing key; `version` is the contract version of "
            "`data`. See docs/events.md."
        ),
        sends=every,
        receives={integrator: every},
    )


def queues_by_name() -> dict[str, ConsumerQueue]:
    return {queue.name: queue for queue in CONSUMER_QUEUES}
