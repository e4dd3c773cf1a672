"""The SMTP transport against real servers that demand STARTTLS + AUTH, or implicit TLS."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from forum_notifications.domain import OutgoingEmail
from forum_notifications.mime import build_message, to_wire
from forum_notifications.smtp import SmtpConfig, SmtpTransport, TransientSendError

pytestmark = pytest.mark.integration


@dataclass
class Recorder:
    received: list[tuple[bool, bool, bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append((tls, bool(session.authenticated), envelope.original_content))
        return "250 OK"


def check_password(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"mailer", b"s3cr@t")
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder: Path = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def starttls_server(tls_context: ssl.SSLContext) -> Iterator[tuple[int, Recorder]]:
    recorder = Recorder()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=tls_context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=check_password,
    )
    controller.start()
    yield controller.port, recorder
    controller.stop()


@pytest.fixture
def implicit_tls_server(tls_context: ssl.SSLContext) -> Iterator[tuple[int, Recorder]]:
    recorder = Recorder()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=free_port(), ssl_context=tls_context
    )
    controller.start()
    yield controller.port, recorder
    controller.stop()


def wire() -> Any:
    email = OutgoingEmail(
        id=uuid.uuid4(),
        source_event_id=uuid.uuid4(),
        recipient_id=uuid.uuid4(),
        template="confirmation",
        forum_code="pev2026",
        correlation_id=None,
        to_name="Иванова Мария",
        to_email="maria@example.ru",
        subject="Регистрация подтверждена",
        text_body="Здравствуйте!",
        html_body="<p>Здравствуйте!</p>",
        message_id="<a.b.confirmation@forum.test>",
        attempts=0,
    )
    message = build_message(email, mail_from="Форум <noreply@forum.test>", now=datetime.now(UTC))
    return to_wire(message)


async def test_starttls_with_auth_from_the_url(starttls_server: tuple[int, Recorder]) -> None:
    port, recorder = starttls_server
    url = f"smtp://mailer:s3cr%40t@127.0.0.1:{port}?starttls=true&verify=false"
    transport = SmtpTransport(SmtpConfig.from_url(url), timeout_s=10)
    await transport.send(wire())
    await transport.send(wire())  # over the pooled, already authenticated connection
    await transport.close()
    assert [(tls, auth) for tls, auth, _ in recorder.received] == [(True, True), (True, True)]
    assert b"Message-ID: <a.b.confirmation@forum.test>" in recorder.received[0][2]


async def test_a_plain_url_cannot_send_where_starttls_is_required(
    starttls_server: tuple[int, Recorder],
) -> None:
    port, recorder = starttls_server
    transport = SmtpTransport(SmtpConfig.from_url(f"smtp://127.0.0.1:{port}"), timeout_s=10)
    with pytest.raises(TransientSendError):  # 530: an operator's setting to fix, not a bounce
        await transport.send(wire())
    await transport.close()
    assert recorder.received == []


async def test_wrong_password_is_transient_not_a_bounce(
    starttls_server: tuple[int, Recorder],
) -> None:
    port, _ = starttls_server
    url = f"smtp://mailer:wrong@127.0.0.1:{port}?starttls=true&verify=false"
    transport = SmtpTransport(SmtpConfig.from_url(url), timeout_s=10)
    with pytest.raises(TransientSendError, match="authentication"):
        await transport.send(wire())
    await transport.close()


async def test_implicit_tls(implicit_tls_server: tuple[int, Recorder]) -> None:
    port, recorder = implicit_tls_server
    url = f"smtps://127.0.0.1:{port}?verify=false"
    transport = SmtpTransport(SmtpConfig.from_url(url), timeout_s=10)
    await transport.send(wire())
    await transport.close()
    assert [tls for tls, _, _ in recorder.received] == [True]


async def test_a_self_signed_certificate_is_refused_unless_told(
    implicit_tls_server: tuple[int, Recorder],
) -> None:
    port, recorder = implicit_tls_server
    transport = SmtpTransport(SmtpConfig.from_url(f"smtps://127.0.0.1:{port}"), timeout_s=10)
    with pytest.raises(TransientSendError):
        await transport.send(wire())
    await transport.close()
    assert recorder.received == []
