"""Turning a claimed email row into a MIME message, with headers from structured values only.

Every address header is an `email.headerregistry.Address` built from a sanitised display name
and a plain address; the subject is sanitised too. A name carrying CR/LF or a second address
therefore cannot add a header or a recipient: it stays inside one encoded display name.
Non-ASCII names and subjects are RFC 2047 encoded by the `default` policy; bodies are UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP, default
from email.utils import format_datetime, parseaddr

from forum_notifications.domain import Attachment, OutgoingEmail, header_text


class BadAddressError(ValueError):
    """The recipient address cannot be put in a header (retrying will not help)."""


def address(display_name: str, addr_spec: str) -> Address:
    addr_spec = addr_spec.strip()
    if any(ch in addr_spec for ch in "\r\n\x00<>,; \t") or addr_spec.count("@") != 1:
        raise BadAddressError(f"unusable address {addr_spec!r}")
    try:
        return Address(display_name=header_text(display_name), addr_spec=addr_spec)
    except (ValueError, IndexError) as error:
        raise BadAddressError(f"unusable address {addr_spec!r}: {error}") from error


def sender_address(mail_from: str) -> Address:
    name, addr_spec = parseaddr(mail_from)
    return address(name, addr_spec)


def build_message(email: OutgoingEmail, *, mail_from: str, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender_address(mail_from)
    message["To"] = address(email.to_name, email.to_email)
    message["Subject"] = header_text(email.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = email.message_id
    message["Auto-Submitted"] = "auto-generated"
    if email.unsubscribe_url:  # RFC 2369 + RFC 8058 one-click, optional mail only
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text_body, charset="utf-8", cte="base64")
    message.add_alternative(email.html_body, subtype="html", charset="utf-8", cte="base64")
    _attach(message, email.attachments)
    return message


@dataclass(frozen=True)
class WireMessage:
    """The bytes that go over SMTP, with the envelope taken from the structured addresses."""

    mail_from: str
    recipient: str
    data: bytes
    message_id: str


def to_wire(message: EmailMessage) -> WireMessage:
    """Serialise once; check the very bytes that will be sent carry only the headers we set."""
    data = message.as_bytes()
    _check_headers(message, data)
    return WireMessage(
        mail_from=message["From"].addresses[0].addr_spec,
        recipient=message["To"].addresses[0].addr_spec,
        data=data,
        message_id=str(message["Message-ID"]),
    )


def _attach(message: EmailMessage, attachments: tuple[Attachment, ...]) -> None:
    """Inline images go into a multipart/related beside the HTML; files become attachments."""
    html = message.get_body(("html",))
    for item in attachments:
        maintype, _, subtype = item.content_type.partition("/")
        if item.cid and html is not None:
            html.add_related(
                item.data, maintype, subtype, cid=f"<{item.cid}>", filename=item.filename
            )
    for item in attachments:
        if item.cid:
            continue
        maintype, _, subtype = item.content_type.partition("/")
        if maintype == "text":
            message.add_attachment(
                item.data.decode(), subtype=subtype, charset="utf-8", filename=item.filename
            )
        else:
            message.add_attachment(item.data, maintype, subtype, filename=item.filename)


def _check_headers(message: EmailMessage, data: bytes) -> None:
    """Defence in depth: the serialised message must have exactly the headers we set."""
    head = data.split(b"\r\n\r\n", 1)[0]
    parsed = BytesParser(policy=default).parsebytes(head + b"\r\n\r\n", headersonly=True)
    if sorted(parsed.keys()) != sorted(message.keys()) or len(parsed["To"].addresses) != 1:
        raise BadAddressError(f"header injection refused for {message['Message-ID']}")
