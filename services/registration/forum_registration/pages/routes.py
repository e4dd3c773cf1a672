"""Attendee pages of the registration service: the form, its thank-you page, the personal page.

Every page works without JavaScript (forms post here and the server calls the same use cases);
with it, `register.js` and `manage.js` call the JSON API as a frontend would.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from forum_registration import manage
from forum_registration.api import Context, correlation_id, idempotent_register
from forum_registration.domain import RegistrationError
from forum_registration.idempotency import fingerprint
from forum_registration.pages import forms
from forum_registration.pages.i18n import Words, choose_locale, posted_locale
from forum_registration.pages.manage_page import manage_routes
from forum_registration.pages.reads import (
    Person,
    by_day,
    load_forum,
    seats_taken,
    sessions_of,
)
from forum_registration.pages.web import ASSETS, render, static_file
from forum_registration.regions import countries, subjects
from forum_registration.use_cases import BeforeCommit, Registered, register_attendee


def pages_router(ctx: Context) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(ASSETS + "/{name}")
    async def asset(name: str) -> Response:
        return static_file(name)

    @router.get("/forums/{code}/register")
    async def register_form(code: str, request: Request) -> Response:
        return await _form_page(ctx, request, code)

    @router.post("/forums/{code}/register")
    async def register_posted(code: str, request: Request) -> Response:
        data = await forms.posted(request)
        locale = posted_locale(forms.first(data, "lang"), request)
        body = forms.registration_body(data)
        try:
            created = await _register(ctx, request, code, body, forms.first(data, "key"), locale)
        except forms.FormProblemsError as problems:
            return await _form_page(ctx, request, code, values=data, problems=problems)
        url = f"/forums/{code}/registered/{created['id']}?token={created['manage_token']}"
        return RedirectResponse(f"{url}&lang={locale}", status_code=303)

    @router.post("/forums/{code}/manage-link")
    async def link_posted(code: str, request: Request) -> Response:
        data = await forms.posted(request)
        email = forms.first(data, "email").strip()
        if email:
            ctx.throttle(request, email)
            caller = manage.Caller(ctx.secret_key, datetime.now(UTC), correlation_id(request))
            await manage.request_link(ctx.runtime.uow(), code, email, caller)
        return await _form_page(ctx, request, code, link_sent=True)

    @router.get("/forums/{code}/registered/{registration_id}")
    async def registered(code: str, registration_id: uuid.UUID, request: Request) -> Response:
        token = request.query_params.get("token")
        words, forum, row = await _authorised(ctx, request, code, registration_id, token)
        if row is None:
            return _not_found(words, code)
        manage_url = f"/manage/{row.id}?token={token}&lang={words.locale}"
        return render(
            "registered.html.j2",
            {
                "w": words,
                "forum": forum,
                "row": row,
                "manage_url": manage_url,
                "switch_url": _switch(request, words),
            },
            secret_in_url=True,
        )

    @router.get("/forums/{code}/erased")
    async def erased(code: str, request: Request) -> Response:
        words, forum = await _forum_words(ctx, request, code)
        return render(
            "message.html.j2",
            {
                "w": words,
                "forum": forum,
                "title": "erased_title",
                "lead": "erased_lead",
                "switch_url": _switch(request, words),
            },
        )

    @router.get("/v1/forums/{code}/seats", tags=["registration"])
    async def seats(code: str) -> JSONResponse:
        """Seats left per published session (the programme page shows them)."""
        async with ctx.runtime.uow() as uow:
            await load_forum(uow.session, code)
            choices = await sessions_of(uow.session, code)
            taken = await seats_taken(uow.session, code)
        return JSONResponse(
            {
                "sessions": [
                    {
                        "session_id": str(c.id),
                        "capacity": c.capacity,
                        "seats_left": c.seats_left,
                        "taken": taken.get(c.id, 0),
                        "starts_at": c.starts_at.isoformat(),
                    }
                    for c in choices
                ]
            },
            headers={"Cache-Control": "max-age=15"},
        )

    router.include_router(manage_routes(ctx))
    return router


async def _register(
    ctx: Context, request: Request, code: str, body: dict[str, Any], key: str, locale: str
) -> dict[str, Any]:
    """The API's own path (idempotency, throttling, the use case), answered as a dict."""
    parsed = forms.parse_request(body, locale)
    try:
        ctx.throttle(request, parsed.email)

        async def run(before_commit: BeforeCommit | None) -> Registered:
            return await register_attendee(
                parsed.to_form(),
                forum_code=code,
                uow=ctx.runtime.uow(),
                now=datetime.now(UTC),
                client_address=request.client.host if request.client else None,
                correlation_id=correlation_id(request),
                before_commit=before_commit,
            )

        path = f"/v1/forums/{code}/registrations"
        request_hash = fingerprint("POST", path, parsed.model_dump(mode="json"))
        answer = await idempotent_register(ctx, key or str(uuid.uuid4()), request_hash, run)
    except RegistrationError as error:
        raise forms.problems_of(error, locale) from error
    created: dict[str, Any] = json.loads(bytes(answer.body))
    return created


async def _forum_words(ctx: Context, request: Request, code: str) -> tuple[Words, Any]:
    async with ctx.runtime.uow() as uow:
        forum = await load_forum(uow.session, code)
    return Words(choose_locale(request), forum.timezone), forum


async def _authorised(
    ctx: Context, request: Request, code: str, registration_id: uuid.UUID, token: str | None
) -> tuple[Words, Any, Person | None]:
    words, forum = await _forum_words(ctx, request, code)
    caller = manage.Caller(ctx.secret_key, datetime.now(UTC))
    async with ctx.runtime.uow() as uow:
        try:
            row = Person.of(await manage.authorised(uow.session, registration_id, token, caller))
        except RegistrationError:
            return words, forum, None
    return words, forum, row if row.forum_code == code else None


def _not_found(words: Words, code: str) -> Response:
    return render(
        "message.html.j2",
        {
            "w": words,
            "forum": None,
            "code": code,
            "title": "not_found_title",
            "lead": "not_found_lead",
            "switch_url": None,
        },
        status=404,
        secret_in_url=True,
    )


def _switch(request: Request, words: Words) -> str:
    query = {**request.query_params, "lang": "en" if words.locale == "ru" else "ru"}
    return f"{request.url.path}?{urlencode(query)}"


async def _form_page(
    ctx: Context,
    request: Request,
    code: str,
    *,
    values: dict[str, list[str]] | None = None,
    problems: forms.FormProblemsError | None = None,
    link_sent: bool = False,
) -> Response:
    async with ctx.runtime.uow() as uow:
        forum = await load_forum(uow.session, code)
        choices = await sessions_of(uow.session, code)
    words = Words(choose_locale(request), forum.timezone)
    if values is not None:
        words = Words(posted_locale(forms.first(values, "lang"), request), forum.timezone)
    chosen = set((values or {}).get("session_ids", []) or request.query_params.getlist("session"))
    form_url = f"/forums/{code}/register"
    return render(
        "register.html.j2",
        {
            "w": words,
            "forum": forum,
            "days": by_day(choices, words.zone),
            "chosen": chosen,
            "values": {k: v[0] for k, v in (values or {}).items() if v},
            "problems": problems,
            "link_sent": link_sent,
            "key": str(uuid.uuid4()),  # one Idempotency-Key per rendered form
            "subjects": subjects(),
            "countries": countries(),
            "categories": ["delegate", "speaker", "exhibitor", "press", "guest", "official"],
            "switch_url": f"{form_url}?lang={'en' if words.locale == 'ru' else 'ru'}",
        },
        status=problems.status if problems else 200,
    )
