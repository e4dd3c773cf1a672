"""Typed v1 contracts of every event on `forum.events`, and the catalogue that decodes them."""

from __future__ import annotations

from forum_shared.contracts import notification, registration, schedule
from forum_shared.contracts.envelope import EventData, EventEnvelope


class UnknownEventError(ValueError):
    """The envelope names a type or version this consumer has no contract for."""


def _catalogue() -> dict[tuple[str, int], type[EventData]]:
    found: dict[tuple[str, int], type[EventData]] = {}
    for module in (registration, schedule, notification):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, EventData)
                and value is not EventData
                and hasattr(value, "event_type")
            ):
                found[(value.event_type, value.event_version)] = value
    return found


EVENT_CATALOGUE: dict[tuple[str, int], type[EventData]] = _catalogue()


def decode_data(envelope: EventEnvelope) -> EventData:
    """Validate `data` against the contract the envelope names."""
    contract = EVENT_CATALOGUE.get((envelope.type, envelope.version))
    if contract is None:
        raise UnknownEventError(f"no contract for {envelope.type} v{envelope.version}")
    return contract.model_validate(envelope.data)


__all__ = ["EVENT_CATALOGUE", "EventData", "EventEnvelope", "UnknownEventError", "decode_data"]
