"""Turning a claimed email row into the bytes of a MIME message, headers from structured values.

The message has one fixed shape, so it is written directly rather than through
`email.message.EmailMessage`, whose header parsing and refolding cost more than the rest of
sending an email together. What the standard library did for us is done here explicitly:
- a display name or a subject that is not short plain ASCII becomes RFC 2047 encoded words
  (`=?utf-8?b?…?=`, whole UTF-8 characters, lines of at most 76 characters); a plain ASCII
  display name is a quoted string; an ASCII subject is folded at its spaces;
- an address is one plain `local@domain` (dot-atoms; a Cyrillic domain goes out in IDNA form,
  a non-ASCII local part is refused: it needs SMTPUTF8, RFC 6531/6532, which we do not use);
- bodies and files are base64 (text in canonical CRLF form), so the boundaries, which carry
  `_` (not a base64 character), cannot occur inside a part.
Nothing here decodes an encoded word, so a user typing one cannot smuggle a line break in;
names and subjects still pass `header_text`, and `to_wire` checks the serialised header block
for exactly the fields we wrote and one recipient, as defence in depth.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, getaddresses, parseaddr
from functools import lru_cache

from forum_notifications.domain import Attachment, OutgoingEmail, header_text

CRLF = "\r\n"
_LINE = 76  # RFC 2047 §2: a line holding encoded words is at most 76 characters
_PLAIN_LINE = 78  # RFC 5322 §2.1.1: SHOULD; a line MUST stay under 998
_QUOTED_MAX = 900  # a longer plain name is encoded, which can be folded
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATEXT}(\.{_ATEXT})*")
_DOMAIN = re.compile(
    r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_TOKEN = re.compile(r"[A-Za-z0-9!#$&^_.+-]+")
_ATTR_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._")
_FILENAME = re.compile(r"[A-Za-z0-9 !#$%&'()*+,.;=@\[\]^_`{|}~-]+")


class BadAddressError(ValueError):
    """The recipient address cannot be put in a header (retrying will not help)."""


@dataclass(frozen=True)
class MimeMessage:
    """Header fields as they go on the wire (ASCII, folded) and the encoded body."""

    headers: tuple[tuple[str, str], ...]
    body: bytes
    mail_from: str
    recipient: str
    message_id: str


@dataclass(frozen=True)
class WireMessage:
    """The bytes that go over SMTP, with the envelope taken from the structured addresses."""

    mail_from: str
    recipient: str
    data: bytes
    message_id: str


def addr_spec(value: str) -> str:
    """One plain `local@domain` in ASCII, or `BadAddressError`."""
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not at or not _LOCAL_PART.fullmatch(local):
        raise BadAddressError(f"unusable address {value!r}")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise BadAddressError(f"unusable address {value!r}: {error}") from error
    if not _DOMAIN.fullmatch(domain):
        raise BadAddressError(f"unusable address {value!r}")
    return f"{local}@{domain}"


def encoded_words(text: str, first_line_used: int) -> list[str]:
    """`text` as `=?utf-8?b?…?=` words, each fitting a folded line (the first after a prefix).

    Words end after a space where one is near: decoders drop the whitespace between encoded
    words (RFC 2047 §6.2), but some (CPython's address parser among them) keep it, and a
    doubled space reads better there than a space inside a name.
    """
    words: list[str] = []
    room = _LINE - first_line_used
    chunk = ""
    for char in text:
        # `=?utf-8?b?` and `?=` take 12 characters; base64 turns 3 bytes into 4.
        while chunk and (len((chunk + char).encode()) + 2) // 3 * 4 + 12 > room:
            cut = chunk.rfind(" ") + 1 or len(chunk)
            words.append(_word(chunk[:cut]))
            chunk, room = chunk[cut:], _LINE - 1
        chunk += char
    words.append(_word(chunk))
    return words


def _word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode('ascii')}?="


def _fold(name: str, words: list[str], limit: int) -> str:
    """Join the words with spaces, starting a continuation line where one would be too long."""
    lines = [f"{name}: {words[0]}"]
    for word in words[1:]:
        if len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += f" {word}"
        else:
            lines.append(f" {word}")
    return CRLF.join(lines)[len(name) + 2 :]


def _unstructured(name: str, text: str) -> str:
    """A subject: as it is when short plain ASCII, folded at spaces when longer, else encoded."""
    if text.isascii():
        if len(name) + 2 + len(text) <= _PLAIN_LINE:
            return text
        words = text.split(" ")
        if all(len(word) < _PLAIN_LINE - 1 for word in words):
            return _fold(name, words, _PLAIN_LINE)
    return _fold(name, encoded_words(text, len(name) + 2), _LINE)


def _address(name: str, display_name: str, address: str) -> str:
    """`"Name" <a@b>` for an ASCII name, encoded words for any other, `a@b` for none."""
    display_name = header_text(display_name)
    if not display_name:
        return address
    bracketed = f"<{address}>"
    if display_name.isascii() and len(display_name) < _QUOTED_MAX:
        quoted = '"' + display_name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return _fold(name, [quoted, bracketed], _PLAIN_LINE)
    return _fold(name, [*encoded_words(display_name, len(name) + 2), bracketed], _LINE)


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _text(data: bytes) -> bytes:
    """Canonical form of text (RFC 2046 §4.1.1): CRLF line ends, ending with one."""
    return b"\r\n".join(data.splitlines()) + b"\r\n"


def _leaf(content_type: str, data: bytes, *extra: str) -> bytes:
    head = [f"Content-Type: {content_type}", "Content-Transfer-Encoding: base64", *extra]
    return (CRLF.join(head) + CRLF + CRLF).encode("ascii") + _base64(data)


def _multipart(subtype: str, boundary: str, parts: list[bytes]) -> tuple[str, bytes]:
    """The Content-Type value and the body of a multipart holding `parts`."""
    delimiter = f"--{boundary}\r\n".encode("ascii")
    body = b"".join(delimiter + part + b"\r\n" for part in parts)
    return f'multipart/{subtype}; boundary="{boundary}"', body + f"--{boundary}--\r\n".encode()


def _nest(content_type: str, body: bytes) -> bytes:
    return f"Content-Type: {content_type}\r\n\r\n".encode("ascii") + body


def _media_type(item: Attachment) -> tuple[str, str]:
    maintype, _, subtype = item.content_type.partition("/")
    if not (_TOKEN.fullmatch(maintype) and _TOKEN.fullmatch(subtype)):
        raise ValueError(f"not a media type: {item.content_type!r}")
    return maintype.lower(), subtype.lower()


def _disposition(kind: str, filename: str) -> str:
    if _FILENAME.fullmatch(filename):
        return f'Content-Disposition: {kind}; filename="{filename}"'
    quoted = "".join(
        chr(byte) if chr(byte) in _ATTR_CHARS else f"%{byte:02X}" for byte in filename.encode()
    )
    return f"Content-Disposition: {kind}; filename*=utf-8''{quoted}"  # RFC 2231


def _file(item: Attachment, kind: str, *extra: str) -> bytes:
    maintype, subtype = _media_type(item)
    if maintype == "text":
        content_type, data = f'{maintype}/{subtype}; charset="utf-8"', _text(item.data)
    else:
        content_type, data = f"{maintype}/{subtype}", item.data
    return _leaf(content_type, data, _disposition(kind, item.filename), *extra)


def _body(email: OutgoingEmail) -> tuple[str, bytes]:
    """Text and HTML alternatives; inline images related to the HTML; other files mixed in."""
    token = uuid.uuid4().hex[:24]
    html = _leaf('text/html; charset="utf-8"', _text(email.html_body.encode()))
    inline = [i for i in email.attachments if i.cid]
    if inline:
        related = [html]
        for item in inline:
            if not _TOKEN.fullmatch(item.cid or ""):
                raise ValueError(f"not a usable Content-ID: {item.cid!r}")
            related.append(_file(item, "inline", f"Content-ID: <{item.cid}>"))
        html = _nest(*_multipart("related", f"=_r_{token}", related))
    text = _leaf('text/plain; charset="utf-8"', _text(email.text_body.encode()))
    content_type, body = _multipart("alternative", f"=_a_{token}", [text, html])
    files = [_file(i, "attachment") for i in email.attachments if not i.cid]
    if files:
        content_type, body = _multipart(
            "mixed", f"=_m_{token}", [_nest(content_type, body), *files]
        )
    return content_type, body


@lru_cache(maxsize=8)
def _sender(mail_from: str) -> tuple[str, str]:
    """The envelope sender and the From field: the same for every email, so built once."""
    sender_name, sender = parseaddr(mail_from)
    sender = addr_spec(sender)
    return sender, _address("From", sender_name, sender)


def build_message(email: OutgoingEmail, *, mail_from: str, now: datetime) -> MimeMessage:
    sender, from_field = _sender(mail_from)
    recipient = addr_spec(email.to_email)
    headers = [
        ("From", from_field),
        ("To", _address("To", email.to_name, recipient)),
        ("Subject", _unstructured("Subject", header_text(email.subject))),
        ("Date", format_datetime(now)),
        ("Message-ID", email.message_id),
        ("Auto-Submitted", "auto-generated"),
    ]
    if email.unsubscribe_url:  # RFC 2369 + RFC 8058 one-click, optional mail only
        headers.append(("List-Unsubscribe", f"<{email.unsubscribe_url}>"))
        headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    content_type, body = _body(email)
    headers += [("MIME-Version", "1.0"), ("Content-Type", content_type)]
    return MimeMessage(tuple(headers), body, sender, recipient, email.message_id)


def to_wire(message: MimeMessage) -> WireMessage:
    """Serialise once; check the very bytes that will be sent carry only the headers we set."""
    head = "".join(f"{name}: {value}{CRLF}" for name, value in message.headers)
    try:
        data = head.encode("ascii") + b"\r\n" + message.body
    except UnicodeEncodeError as error:
        raise BadAddressError(f"non-ASCII header in {message.message_id}") from error
    _check_headers(message, data)
    return WireMessage(message.mail_from, message.recipient, data, message.message_id)


def _check_headers(message: MimeMessage, data: bytes) -> None:
    """Defence in depth: the serialised message must have exactly the headers we set."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    fields: list[tuple[str, str]] = []
    for line in head.split(CRLF):
        if line[:1] in (" ", "\t") and fields:
            fields[-1] = (fields[-1][0], fields[-1][1] + line)
        else:
            name, colon, value = line.partition(":")
            fields.append((name if colon else "", value))
    names = sorted(name for name, _ in fields)
    wanted = sorted(name for name, _ in message.headers)
    too_long = any(len(line) > 998 or "\r" in line or "\n" in line for line in head.split(CRLF))
    to = [value for name, value in fields if name.lower() == "to"]
    recipients = getaddresses(to)
    if names != wanted or too_long or len(recipients) != 1:
        raise BadAddressError(f"header injection refused for {message.message_id}")
    if recipients[0][1] != message.recipient:
        raise BadAddressError(f"header injection refused for {message.message_id}")
