"""Headers come from structured values only; Message-IDs are deterministic; Cyrillic survives."""

from __future__ import annotations

import email
import email.policy
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from forum_notifications.domain import OutgoingEmail, header_text, message_id
from forum_notifications.mime import BadAddressError, MimeMessage, build_message, to_wire

from tests.notifications.factories import MAIL_FROM

EVENT = uuid.UUID("6f1c1d3e-0000-4000-8000-000000000001")
RECIPIENT = uuid.UUID("6f1c1d3e-0000-4000-8000-000000000002")


def outgoing(**overrides: object) -> OutgoingEmail:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "source_event_id": EVENT,
        "recipient_id": RECIPIENT,
        "template": "confirmation",
        "forum_code": "pev2026",
        "correlation_id": None,
        "to_name": "Иванова Мария Петровна",
        "to_email": "maria@example.ru",
        "subject": "Регистрация подтверждена: ПромЭнергоVolga 2026",
        "text_body": "Здравствуйте, Мария!",
        "html_body": "<p>Здравствуйте, Мария!</p>",
        "message_id": message_id(EVENT, RECIPIENT, "confirmation", MAIL_FROM),
        "attempts": 0,
    }
    values.update(overrides)
    return OutgoingEmail(**values)  # type: ignore[arg-type]


def reparse(message: MimeMessage) -> EmailMessage:
    parsed = email.message_from_bytes(to_wire(message).data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_message_id_is_deterministic_per_event_recipient_and_template() -> None:
    first = message_id(EVENT, RECIPIENT, "confirmation", MAIL_FROM)
    assert first == message_id(EVENT, RECIPIENT, "confirmation", MAIL_FROM)
    assert first == f"<{EVENT}.{RECIPIENT}.confirmation@forum.test>"
    assert first != message_id(EVENT, RECIPIENT, "waitlisted", MAIL_FROM)
    assert first != message_id(EVENT, uuid.uuid4(), "confirmation", MAIL_FROM)


def test_cyrillic_headers_are_encoded_and_decode_intact() -> None:
    message = build_message(outgoing(), mail_from=MAIL_FROM, now=datetime.now(UTC))
    raw = to_wire(message).data
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    header_block.decode("ascii")  # RFC 2047: headers are pure ASCII on the wire
    assert b"=?utf-8?" in header_block
    parsed = reparse(message)
    assert parsed["Subject"] == "Регистрация подтверждена: ПромЭнергоVolga 2026"
    assert parsed["To"].addresses[0].display_name == "Иванова Мария Петровна"
    assert parsed["From"].addresses[0].display_name == "ПромЭнергоVolga"
    assert parsed["Message-ID"] == f"<{EVENT}.{RECIPIENT}.confirmation@forum.test>"
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and text.get_content().strip() == "Здравствуйте, Мария!"
    assert html is not None and "<p>Здравствуйте, Мария!</p>" in html.get_content()


@pytest.mark.parametrize(
    "hostile_name",
    [
        "Мария\r\nBcc: evil@attacker.example",
        "Мария\nBcc: evil@attacker.example",
        "Мария\rX-Injected: 1",
        "Мария <evil@attacker.example>, Пётр",
        "=?UTF-8?Q?=0A?=Bcc: evil@attacker.example",
    ],
)
def test_a_hostile_name_adds_no_header_and_no_recipient(hostile_name: str) -> None:
    message = build_message(
        outgoing(to_name=hostile_name, subject="Тема\r\nBcc: evil@attacker.example"),
        mail_from=MAIL_FROM,
        now=datetime.now(UTC),
    )
    wire = to_wire(message)  # the checked bytes are the ones sent
    assert wire.recipient == "maria@example.ru"
    parsed = reparse(message)
    assert parsed["Bcc"] is None
    assert parsed["X-Injected"] is None
    recipients = parsed["To"].addresses
    assert [a.addr_spec for a in recipients] == ["maria@example.ru"]
    assert "\n" not in str(parsed["Subject"])
    assert sorted(set(parsed.keys())) == sorted(
        [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Auto-Submitted",
            "MIME-Version",
            "Content-Type",
        ]
    )


@pytest.mark.parametrize(
    "bad", ["maria@example.ru, evil@x.example", "maria@example.ru\r\nBcc: e@x", "no-at-sign"]
)
def test_an_address_that_is_not_one_address_is_refused(bad: str) -> None:
    with pytest.raises(BadAddressError):
        build_message(outgoing(to_email=bad), mail_from=MAIL_FROM, now=datetime.now(UTC))


def test_header_text_flattens_control_characters() -> None:
    assert header_text("a\r\nb\x00c\td  e\u2028f") == "a b c d e f"


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": "Topic\r\nBcc: evil@attacker.example"},
        {"subject": "Topic\nBcc: evil@attacker.example"},
        {"subject": "Topic\r\n\r\nA body of our choosing"},
        {"to_name": "Maria\r\nBcc: evil@attacker.example"},
    ],
)
def test_serialised_headers_are_checked_even_if_sanitising_were_skipped(
    monkeypatch: pytest.MonkeyPatch, overrides: dict[str, str]
) -> None:
    import forum_notifications.mime as mime

    monkeypatch.setattr(mime, "header_text", lambda value: value)
    message = build_message(outgoing(**overrides), mail_from=MAIL_FROM, now=datetime.now(UTC))
    with pytest.raises(BadAddressError, match="header injection"):
        to_wire(message)


def test_a_typed_encoded_word_is_never_decoded_into_a_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import forum_notifications.mime as mime

    monkeypatch.setattr(mime, "header_text", lambda value: value)
    hostile = "=?UTF-8?Q?=0A?=Bcc: evil@attacker.example"
    parsed = reparse(
        build_message(
            outgoing(subject=hostile, to_name=hostile), mail_from=MAIL_FROM, now=datetime.now(UTC)
        )
    )
    # Header names only: parsing the To value would decode the typed word.
    assert "Bcc" not in parsed and parsed.keys().count("To") == 1
