"""`GET /forums/{code}/programme`: the released programme as a page, filters as plain GET
parameters (they work without JavaScript); `programme.js` adds the seats left per session
from the registration API on the same origin."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from forum_shared.contracts.common import SessionType
from forum_shared.service import ServiceRuntime
from jinja2 import Environment, PackageLoader, select_autoescape

from forum_schedule.domain.errors import NotFoundError
from forum_schedule.pages.words import Words, choose_locale
from forum_schedule.schemas.programme import ProgrammeFilter, programme_out
from forum_schedule.use_cases import reads

ASSETS = "/assets/schedule"
STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

_env = Environment(
    loader=PackageLoader("forum_schedule.pages", "templates"),
    autoescape=select_autoescape(default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _filter(request: Request) -> tuple[ProgrammeFilter, dict[str, str]]:
    """Unknown or malformed filter values are ignored (a page never answers 422)."""
    chosen: dict[str, str] = {}
    hall_id = None
    kind = None
    raw_hall = request.query_params.get("hall", "")
    try:
        hall_id = uuid.UUID(raw_hall) if raw_hall else None
    except ValueError:
        hall_id = None
    if hall_id is not None:
        chosen["hall"] = str(hall_id)
    raw_type = request.query_params.get("type", "")
    if raw_type in {t.value for t in SessionType}:
        kind = SessionType(raw_type)
        chosen["type"] = raw_type
    track = request.query_params.get("track") or None
    if track:
        chosen["track"] = track
    return ProgrammeFilter(hall_id=hall_id, track=track, type=kind), chosen


def programme_pages_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(ASSETS + "/{name}")
    async def asset(name: str) -> Response:
        path = STATIC / name
        media_type = STATIC_TYPES.get(path.suffix)
        if "/" in name or media_type is None or not path.is_file():
            raise HTTPException(404)
        return FileResponse(
            path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
        )

    @router.get("/forums/{code}/programme")
    async def programme_page(code: str, request: Request) -> Response:
        words = Words(choose_locale(request))
        try:
            programme = await reads.published_programme(code, uow_factory=runtime.uow)
        except NotFoundError:
            return _render("not_found.html.j2", {"w": words, "forum": None}, status=404)
        wanted, chosen = _filter(request)
        view = programme_out(programme, wanted)
        everything = programme_out(programme, ProgrammeFilter())
        query = {**chosen, "lang": "en" if words.locale == "ru" else "ru"}
        details = programme.forum.details
        context: dict[str, Any] = {
            "w": words,
            "p": view,
            "forum": {
                **view["forum"],
                "contact_email": details.contact_email,
                "contact_phone": details.contact_phone,
            },
            "all_days": [day["date"] for day in everything["days"]],
            "types": sorted({s["type"] for d in everything["days"] for s in d["sessions"]}),
            "chosen": chosen,
            "zone": ZoneInfo(details.timezone),
            "switch_url": f"/forums/{code}/programme?{urlencode(query)}",
        }
        return _render("programme.html.j2", context)

    return router


def _render(template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    html = _env.get_template(template).render(assets=ASSETS, **context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)
