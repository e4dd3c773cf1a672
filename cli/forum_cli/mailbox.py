"""A local mailbox for `forum dev`: a real SMTP server on loopback that keeps every message.

The notifications service sends to it over SMTP exactly as it would to Mailpit or a relay;
the messages are stored as .eml files and shown in the browser at /dev/mail.
"""

from __future__ import annotations

import email
import email.policy
import html
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response


def _free_port() -> int:
    # aiosmtpd's readiness check connects to the configured port, so port 0 cannot be used.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class StoredMail:
    id: str
    path: Path

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Store:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        raw = envelope.original_content or envelope.content
        (self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(raw)
        return "250 Message accepted for delivery"


class DevMailbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._controller = Controller(_Store(folder), hostname="127.0.0.1", port=_free_port())

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    @property
    def smtp_url(self) -> str:
        server = self._controller.server
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"smtp://127.0.0.1:{port}"

    def list(self) -> list[StoredMail]:
        files = sorted(self.folder.glob("*.eml"), reverse=True)
        return [StoredMail(path.stem, path) for path in files]

    def get(self, mail_id: str) -> StoredMail:
        path = self.folder / f"{mail_id}.eml"
        if "/" in mail_id or not path.exists():
            raise HTTPException(404, "Письмо не найдено")
        return StoredMail(mail_id, path)


_EMAIL_CSP = "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'"


def mailbox_router(mailbox: DevMailbox) -> APIRouter:
    router = APIRouter(prefix="/dev/mail", tags=["dev"])

    @router.get("", response_class=HTMLResponse)
    async def inbox() -> str:
        rows = []
        for mail in mailbox.list()[:500]:
            message = mail.message
            rows.append(
                f"<tr><td>{html.escape(str(message['Date'] or ''))}</td>"
                f"<td>{html.escape(str(message['To'] or ''))}</td>"
                f"<td><a href='/dev/mail/{mail.id}'>{html.escape(str(message['Subject'] or ''))}"
                "</a></td></tr>"
            )
        body = "".join(rows) or "<tr><td colspan=3>Писем пока нет</td></tr>"
        return _page(
            "Почта (dev)",
            "<table><thead><tr><th>Дата</th><th>Кому</th><th>Тема</th></tr></thead>"
            f"<tbody>{body}</tbody></table>",
        )

    @router.get("/{mail_id}", response_class=HTMLResponse)
    async def show(mail_id: str) -> str:
        message = mailbox.get(mail_id).message
        text_part = message.get_body(preferencelist=("plain",))
        text = text_part.get_content() if text_part is not None else ""
        headers = "".join(
            f"<dt>{name}</dt><dd>{html.escape(str(message[name] or ''))}</dd>"
            for name in ("From", "To", "Subject", "Date", "Message-ID")
        )
        return _page(
            str(message["Subject"] or ""),
            f"<p><a href='/dev/mail'>← все письма</a> · "
            f"<a href='/dev/mail/{mail_id}/html'>HTML-версия</a> · "
            f"<a href='/dev/mail/{mail_id}/raw'>исходник</a></p><dl>{headers}</dl>"
            f"<pre>{html.escape(text)}</pre>",
        )

    @router.get("/{mail_id}/html")
    async def show_html(mail_id: str) -> Response:
        part = mailbox.get(mail_id).message.get_body(preferencelist=("html",))
        content = part.get_content() if part is not None else "<p>Нет HTML-части</p>"
        # The email's own HTML, sandboxed: no scripts, no requests to other origins.
        return HTMLResponse(
            content,
            headers={"Content-Security-Policy": _EMAIL_CSP},
        )

    @router.get("/{mail_id}/raw")
    async def raw(mail_id: str) -> Response:
        return Response(mailbox.get(mail_id).path.read_bytes(), media_type="message/rfc822")

    return router


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='ru'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>body{{font-family:system-ui,sans-serif;"
        "margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #ccc;padding:.4rem;text-align:left}"
        "pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
