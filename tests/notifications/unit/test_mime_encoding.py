"""The hand-written MIME writer, read back by the standard library's strict modern parser.

Names and subjects of every length (Cyrillic, emoji, ASCII with specials) must decode to what
was written, within the RFC line limits; the part tree and every payload must survive.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage

import pytest
from forum_notifications.domain import Attachment, header_text
from forum_notifications.mime import BadAddressError, build_message, to_wire

from tests.notifications.factories import MAIL_FROM
from tests.notifications.unit.test_mime import outgoing

CYRILLIC = "Иванова-Петрова Мария Александровна 😀 из «ПромЭнергоVolga» "
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3
ICS = "BEGIN:VCALENDAR\r\nSUMMARY:Пленарное заседание\r\nEND:VCALENDAR\r\n".encode()


def wire_of(**overrides: object) -> bytes:
    return to_wire(
        build_message(outgoing(**overrides), mail_from=MAIL_FROM, now=datetime.now(UTC))
    ).data


def parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def to_field(data: bytes) -> str:
    """The raw To value, unfolded."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii").replace("\r\n ", " ")
    return next(line for line in head.split("\r\n") if line.startswith("To: "))[4:]


def decoded(phrase: str) -> str:
    """RFC 2047 decoding as mail clients do it (whitespace between encoded words dropped)."""
    return str(make_header(decode_header(phrase)))


def header_lines(data: bytes) -> list[str]:
    return data.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")


@pytest.mark.parametrize("length", [1, 2, 5, 13, 21, 22, 23, 30, 44, 45, 46, 61, 90, 140, 230])
def test_cyrillic_names_and_subjects_of_any_length_decode_intact(length: int) -> None:
    text = (CYRILLIC * 8)[:length].strip() or "Я"
    data = wire_of(to_name=text, subject=f"Тема: {text}")
    parsed = parse(data)
    to = parsed["To"].addresses[0]
    assert decoded(to_field(data).rsplit(" <", 1)[0]) == header_text(text)
    # CPython's address parser keeps the space between encoded words (RFC 2047 §6.2 drops
    # it): words are cut after spaces, so at worst it reads a doubled space.
    assert " ".join(to.display_name.split()) == header_text(text)
    assert to.addr_spec == "maria@example.ru"
    assert parsed["Subject"] == header_text(f"Тема: {text}")
    for line in header_lines(data):
        assert len(line) <= (76 if "=?" in line else 998), line


@pytest.mark.parametrize(
    "name",
    ['John "JJ" Smith', "Smith, John", "O'Brien (Pat) <x@y>", "back\\slash", "x" * 100, "A"],
)
def test_ascii_names_with_specials_come_back_as_written(name: str) -> None:
    parsed = parse(wire_of(to_name=name))
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        (name, "maria@example.ru")
    ]


def test_a_long_ascii_subject_is_folded_at_spaces_and_unfolds_to_itself() -> None:
    subject = " ".join(f"word{n}" for n in range(60))
    data = wire_of(subject=subject)
    assert parse(data)["Subject"] == subject
    subject_lines = data.split(b"\r\nDate:")[0].split(b"Subject:")[1].split(b"\r\n")
    assert len(subject_lines) > 1 and all(len(line) <= 78 for line in subject_lines)


def test_the_part_tree_and_every_payload_survive() -> None:
    badge = Attachment("badge.png", "image/png", PNG, cid="badge-qr")
    calendar = Attachment("pev2026.ics", "text/calendar", ICS)
    text, html = "Здравствуйте!\nВаш бейдж ниже.", "<p>Здравствуйте!</p><img src=cid:badge-qr>"
    parsed = parse(wire_of(attachments=(badge, calendar), text_body=text, html_body=html))
    shape = [(part.get_content_type(), part.get_content_disposition()) for part in parsed.walk()]
    assert shape == [
        ("multipart/mixed", None),
        ("multipart/alternative", None),
        ("text/plain", None),
        ("multipart/related", None),
        ("text/html", None),
        ("image/png", "inline"),
        ("text/calendar", "attachment"),
    ]
    parts = list(parsed.walk())
    assert parts[2].get_content() == "Здравствуйте!\r\nВаш бейдж ниже.\r\n"  # canonical CRLF
    assert parts[4].get_content().strip() == html
    assert parts[5].get_content() == PNG and parts[5]["Content-ID"] == "<badge-qr>"
    assert parts[5].get_filename() == "badge.png"
    assert parts[6].get_content() == ICS.decode()
    assert parts[6].get_filename() == "pev2026.ics"
    assert parts[6].get_content_charset() == "utf-8"
    assert not parsed.defects and all(not part.defects for part in parts)


def test_without_files_the_message_is_the_two_alternatives() -> None:
    parsed = parse(wire_of())
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]


def test_a_non_ascii_filename_is_sent_as_an_rfc_2231_parameter() -> None:
    file = Attachment("программа форума.ics", "text/calendar", ICS)
    parsed = parse(wire_of(attachments=(file,)))
    assert [p.get_filename() for p in parsed.iter_attachments()] == ["программа форума.ics"]


def test_a_cyrillic_domain_goes_out_in_idna_form() -> None:
    wire = to_wire(
        build_message(
            outgoing(to_email="ivan@пример.рф"), mail_from=MAIL_FROM, now=datetime.now(UTC)
        )
    )
    assert wire.recipient == "ivan@xn--e1afmkfd.xn--p1ai"
    assert parse(wire.data)["To"].addresses[0].addr_spec == "ivan@xn--e1afmkfd.xn--p1ai"


@pytest.mark.parametrize("address", ["иван@пример.рф", "(x)a@b.example", "a..b@c.example", "a@b"])
def test_addresses_that_need_smtputf8_or_are_not_plain_are_refused(address: str) -> None:
    with pytest.raises(BadAddressError):
        build_message(outgoing(to_email=address), mail_from=MAIL_FROM, now=datetime.now(UTC))


def test_optional_mail_carries_the_one_click_unsubscribe_headers() -> None:
    parsed = parse(wire_of(unsubscribe_url="http://forum.test/v1/unsubscribe/abc?t=1"))
    assert parsed["List-Unsubscribe"] == "<http://forum.test/v1/unsubscribe/abc?t=1>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
