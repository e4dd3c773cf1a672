"""The personal page behind the manage link: status, badge, agenda with what changed since the
last visit, and the three actions (change agenda, cancel, erase), each confirmed first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import segno
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from forum_registration import manage
from forum_registration.api import Context, correlation_id
from forum_registration.badges import badge_code
from forum_registration.domain import ACTIVE_STATUSES, RegistrationError
from forum_registration.errors import refusal_body
from forum_registration.pages import forms
from forum_registration.pages.i18n import Words, choose_locale, posted_locale
from forum_registration.pages.reads import (
    Person,
    agenda_with_changes,
    by_day,
    load_forum,
    sessions_of,
)
from forum_registration.pages.web import render

ACTIONS = {
    "agenda": ("edit_agenda", "confirm_agenda", "save_agenda"),
    "cancel": ("cancel_title", "confirm_cancel", "cancel_button"),
    "erase": ("erase_title", "confirm_erase", "erase_button"),
}


def badge_svg(code: str, title: str) -> str:
    """The badge code as an inline SVG QR code (segno escapes nothing we pass but the title)."""
    qr = segno.make(code, error="m")
    svg: str = qr.svg_inline(scale=6, border=2, omitsize=True, title=title, dark="#111827")
    return svg


def manage_routes(ctx: Context) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/manage/{registration_id}")
    async def personal_page(registration_id: uuid.UUID, request: Request) -> Response:
        token = request.query_params.get("token") or ""
        notice = request.query_params.get("notice")
        return await _page(ctx, request, registration_id, token, notice=notice)

    @router.post("/manage/{registration_id}/{action}")
    async def act(registration_id: uuid.UUID, action: str, request: Request) -> Response:
        data = await forms.posted(request)
        token = forms.first(data, "token")
        locale = posted_locale(forms.first(data, "lang"), request)
        if action not in ACTIONS:
            return await _page(ctx, request, registration_id, token, locale=locale)
        if forms.first(data, "confirmed") != "yes":
            return await _page(
                ctx, request, registration_id, token, confirm=(action, data), locale=locale
            )
        caller = manage.Caller(ctx.secret_key, datetime.now(UTC), correlation_id(request))
        try:
            row = await _perform(ctx, registration_id, token, action, data, caller)
        except RegistrationError as error:
            _, answer = refusal_body(error, locale)
            message = str(answer["message"])
            return await _page(ctx, request, registration_id, token, error=message, locale=locale)
        if action == "erase":
            return RedirectResponse(f"/forums/{row}/erased?lang={locale}", status_code=303)
        url = f"/manage/{registration_id}?token={token}&lang={locale}&notice={action}"
        return RedirectResponse(url, status_code=303)

    return router


async def _perform(
    ctx: Context,
    registration_id: uuid.UUID,
    token: str,
    action: str,
    data: dict[str, list[str]],
    caller: manage.Caller,
) -> str:
    uow = ctx.runtime.uow()
    if action == "agenda":
        try:
            wanted = [uuid.UUID(value) for value in data.get("session_ids", [])]
        except ValueError as error:
            raise RegistrationError("registration_not_found") from error
        row = await manage.set_agenda(uow, registration_id, token, wanted, caller)
    else:
        row = await manage.cancel(uow, registration_id, token, caller, erase=action == "erase")
    return row.forum_code


async def _page(
    ctx: Context,
    request: Request,
    registration_id: uuid.UUID,
    token: str,
    *,
    notice: str | None = None,
    error: str | None = None,
    confirm: tuple[str, dict[str, list[str]]] | None = None,
    locale: str | None = None,
) -> Response:
    caller = manage.Caller(ctx.secret_key, datetime.now(UTC))
    locale = locale or choose_locale(request)
    async with ctx.runtime.uow() as uow:
        try:
            row = Person.of(await manage.authorised(uow.session, registration_id, token, caller))
        except RegistrationError:
            return _gone(locale)
        forum = await load_forum(uow.session, row.forum_code)
        words = Words(locale, forum.timezone)
        lines, dropped = await agenda_with_changes(
            uow.session, row.id, row.forum_code, now=caller.now, remember=confirm is None
        )
        choices = await sessions_of(uow.session, row.forum_code)
        await uow.commit()  # remembers this visit, so the next one highlights only newer changes
    code = badge_code(ctx.secret_key, row.id) if row.status == "confirmed" else None
    context: dict[str, Any] = {
        "w": words,
        "forum": forum,
        "row": row,
        "token": token,
        "lines": lines,
        "dropped": dropped,
        "changed": sum(1 for line in lines if line.changes) + len(dropped),
        "days": by_day(choices, words.zone),
        "chosen": {str(line.session.id) for line in lines},
        "active": row.status in ACTIVE_STATUSES,
        "badge": badge_svg(code, words.t("badge")) if code else None,
        "badge_code": code,
        "notice": notice if notice in ("agenda", "cancel") else None,
        "error": error,
        "confirm": None,
        "switch_url": f"/manage/{row.id}?token={token}&lang={'en' if locale == 'ru' else 'ru'}",
    }
    if confirm is not None:
        action, data = confirm
        context["confirm"] = {
            "action": action,
            "labels": ACTIONS[action],
            "session_ids": data.get("session_ids", []),
        }
    return render("manage.html.j2", context, secret_in_url=True)


def _gone(locale: str) -> Response:
    words = Words(locale, "Europe/Moscow")
    return render(
        "message.html.j2",
        {
            "w": words,
            "forum": None,
            "title": "not_found_title",
            "lead": "not_found_lead",
            "switch_url": None,
        },
        status=404,
        secret_in_url=True,
    )
