"""Rendering pages: the Jinja2 environment, security headers and the local static files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

STATIC = Path(__file__).parent / "static"
ASSETS = "/assets/registration"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}

# Scripts and styles only from our own origin (no inline code), nothing may frame the pages.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)

_env = Environment(
    loader=PackageLoader("forum_registration.pages", "templates"),
    autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page_headers(*, secret_in_url: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer" if secret_in_url else "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if secret_in_url:
        headers["Cache-Control"] = "no-store"
    return headers


def render(
    template: str, context: dict[str, Any], *, status: int = 200, secret_in_url: bool = False
) -> HTMLResponse:
    html = _env.get_template(template).render(assets=ASSETS, **context)
    return HTMLResponse(html, status_code=status, headers=page_headers(secret_in_url=secret_in_url))


def static_file(name: str) -> FileResponse:
    path = STATIC / name
    media_type = STATIC_TYPES.get(path.suffix)
    if "/" in name or media_type is None or not path.is_file():
        raise HTTPException(404)
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
