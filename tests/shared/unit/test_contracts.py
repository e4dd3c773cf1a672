import re
import uuid

import pytest
from forum_shared.contracts import EVENT_CATALOGUE, EventEnvelope, UnknownEventError, decode_data
from forum_shared.contracts.common import LocalizedText
from forum_shared.contracts.registration import AttendeeCancelled


def test_every_contract_has_a_context_entity_event_routing_key() -> None:
    assert len(EVENT_CATALOGUE) >= 15
    for event_type, version in EVENT_CATALOGUE:
        assert re.fullmatch(r"(registration|schedule|notification)\.[a-z_]+\.[a-z_]+", event_type)
        assert version == 1


def test_the_design_events_are_in_the_catalogue() -> None:
    for required in (
        "registration.attendee.registered",
        "schedule.session.changed",
        "schedule.release.published",
        "notification.email.sent",
    ):
        assert (required, 1) in EVENT_CATALOGUE


def test_envelope_round_trips_through_json_and_decodes_its_data() -> None:
    registration_id = uuid.uuid4()
    envelope = EventEnvelope.wrap(
        AttendeeCancelled(registration_id=registration_id, version=3),
        producer="registration",
        forum="promenergovolga-2022",
    )
    again = EventEnvelope.model_validate_json(envelope.model_dump_json())
    assert again == envelope
    assert again.type == "registration.attendee.cancelled"
    data = decode_data(again)
    assert isinstance(data, AttendeeCancelled)
    assert data.registration_id == registration_id


def test_consumers_ignore_fields_they_do_not_know() -> None:
    envelope = EventEnvelope.wrap(
        AttendeeCancelled(registration_id=uuid.uuid4(), version=1), producer="t", forum="f"
    )
    raw = envelope.model_dump(mode="json")
    raw["new_envelope_field"] = 1
    raw["data"]["new_data_field"] = "x"
    assert isinstance(decode_data(EventEnvelope.model_validate(raw)), AttendeeCancelled)


def test_an_unknown_version_is_refused() -> None:
    envelope = EventEnvelope(
        type="registration.attendee.cancelled", version=9, producer="t", forum="f", data={}
    )
    with pytest.raises(UnknownEventError):
        decode_data(envelope)


def test_caused_event_keeps_the_correlation_and_names_its_cause() -> None:
    first = EventEnvelope.wrap(
        AttendeeCancelled(registration_id=uuid.uuid4(), version=1), producer="t", forum="f"
    )
    second = first.caused(
        AttendeeCancelled(registration_id=uuid.uuid4(), version=2), producer="notifications"
    )
    assert second.correlation_id == first.event_id
    assert second.causation_id == first.event_id
    assert second.forum == first.forum


def test_localized_text_falls_back_to_russian() -> None:
    text = LocalizedText(ru="Пленарное заседание", en="")
    assert text.in_locale("en") == "Пленарное заседание"
    assert LocalizedText(ru="а", en="b").in_locale("en") == "b"
