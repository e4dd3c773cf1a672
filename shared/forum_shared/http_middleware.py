"""What every request goes through: a server span, the request metrics, and the refusal of
JSON that escapes lone surrogates.

One plain ASGI middleware rather than three `@app.middleware("http")` functions: each of
those wraps the request in its own task group and streams the response through a memory
channel, which cost more CPU per registration than the validation of the form itself.
"""

from __future__ import annotations

import json
import time

from opentelemetry.trace import SpanKind
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forum_shared.metrics import PlatformMetrics
from forum_shared.tracing import span_from

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})

_BROKEN_UNICODE = {
    "ru": "текст содержит недопустимые символы (одиночные суррогаты UTF-16)",
    "en": "the text contains invalid characters (lone UTF-16 surrogates)",
}


def locale_of(headers: Headers) -> str:
    return "en" if headers.get("accept-language", "").lower().startswith("en") else "ru"


def has_lone_surrogates(body: bytes) -> bool:
    """JSON may escape lone surrogates (`\\udc80`) that no database can store."""
    if b"\\u" not in body:
        return False
    try:
        json.dumps(json.loads(body), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    except ValueError:
        return False  # not JSON: the route's own validation answers
    return False


def broken_unicode_response(locale: str) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "error": "validation_failed",
            "message": "Недопустимые символы" if locale == "ru" else "Invalid characters",
            "fields": [{"field": "body", "message": _BROKEN_UNICODE[locale]}],
        },
    )


class ServiceHttpMiddleware:
    def __init__(self, app: ASGIApp, *, service: str, metrics: PlatformMetrics) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method: str = scope["method"]
        headers = Headers(scope=scope)
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with span_from(headers, f"HTTP {method}", SpanKind.SERVER) as span:
            try:
                if method in _WITH_BODY:
                    body, receive = await _buffered(receive)
                    if has_lone_surrogates(body):
                        await broken_unicode_response(locale_of(headers))(
                            scope, receive, send_observed
                        )
                        return
                await self.app(scope, receive, send_observed)
            finally:
                # The router leaves the matched route in the scope; label by its template,
                # never by the raw path (ids in paths would explode the label cardinality).
                route = str(getattr(scope.get("route"), "path", "unmatched"))
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                self.metrics.http_requests.labels(self.service, method, route, str(status)).inc()
                self.metrics.http_latency.labels(self.service, method, route).observe(
                    time.perf_counter() - started
                )


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a `receive` that hands it to the app once more."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            # The client went away before sending the body: let the app see that.
            async def disconnected(message: Message = message) -> Message:
                return message

            return b"", disconnected
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


__all__ = ["ServiceHttpMiddleware", "has_lone_surrogates", "locale_of"]
