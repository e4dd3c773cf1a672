"""Routes for the attendee's own link: `Authorization: Bearer <token>` or `?token=`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from forum_shared.http import request_locale

from forum_registration import manage
from forum_registration.api import Context, correlation_id
from forum_registration.queries import registration_view
from forum_registration.repository import Registrations
from forum_registration.schemas import (
    Accepted,
    AgendaRequest,
    ContactChanges,
    LinkRequest,
    Problem,
    RegistrationView,
    ValidationProblem,
)

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Unknown registration or wrong token (the same)"},
}
WITH_422: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"model": Problem, "description": "Not possible in the registration's status"},
    422: {"model": ValidationProblem, "description": "Bad fields"},
}

TokenQuery = Annotated[str | None, Query(description="The manage token, if not in a header")]
AuthHeader = Annotated[str | None, Header(description="`Bearer <manage token>`")]


def presented_token(authorization: str | None, token: str | None) -> str | None:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return token


def manage_router(ctx: Context) -> APIRouter:
    router = APIRouter(tags=["attendee"])

    def caller(request: Request) -> manage.Caller:
        return manage.Caller(ctx.secret_key, datetime.now(UTC), correlation_id(request))

    async def view(registration_id: uuid.UUID) -> RegistrationView:
        async with ctx.runtime.uow() as uow:
            row = await Registrations(uow.session).get(registration_id)
            assert row is not None
            return await registration_view(uow.session, row, secret_key=ctx.secret_key)

    @router.get("/v1/registrations/{registration_id}", responses=NOT_FOUND)
    async def read(
        registration_id: uuid.UUID,
        request: Request,
        authorization: AuthHeader = None,
        token: TokenQuery = None,
    ) -> RegistrationView:
        async with ctx.runtime.uow() as uow:
            row = await manage.authorised(
                uow.session, registration_id, presented_token(authorization, token), caller(request)
            )
            return await registration_view(uow.session, row, secret_key=ctx.secret_key)

    @router.patch("/v1/registrations/{registration_id}", responses=WITH_422)
    async def update(
        registration_id: uuid.UUID,
        body: ContactChanges,
        request: Request,
        authorization: AuthHeader = None,
        token: TokenQuery = None,
    ) -> RegistrationView:
        secret = presented_token(authorization, token)
        await manage.update_contacts(
            ctx.runtime.uow(), registration_id, secret, body.changes(), caller(request)
        )
        return await view(registration_id)

    @router.put("/v1/registrations/{registration_id}/agenda", responses=WITH_422)
    async def agenda(
        registration_id: uuid.UUID,
        body: AgendaRequest,
        request: Request,
        authorization: AuthHeader = None,
        token: TokenQuery = None,
    ) -> RegistrationView:
        secret = presented_token(authorization, token)
        await manage.set_agenda(
            ctx.runtime.uow(), registration_id, secret, body.session_ids, caller(request)
        )
        return await view(registration_id)

    @router.post("/v1/registrations/{registration_id}/cancel", responses=WITH_422)
    async def cancel(
        registration_id: uuid.UUID,
        request: Request,
        authorization: AuthHeader = None,
        token: TokenQuery = None,
    ) -> RegistrationView:
        secret = presented_token(authorization, token)
        await manage.cancel(ctx.runtime.uow(), registration_id, secret, caller(request))
        return await view(registration_id)

    @router.delete("/v1/registrations/{registration_id}", status_code=204, responses=NOT_FOUND)
    async def erase(
        registration_id: uuid.UUID,
        request: Request,
        authorization: AuthHeader = None,
        token: TokenQuery = None,
    ) -> None:
        secret = presented_token(authorization, token)
        await manage.cancel(ctx.runtime.uow(), registration_id, secret, caller(request), erase=True)

    @router.post(
        "/v1/forums/{code}/registrations/manage-link",
        status_code=202,
        responses={429: {"model": Problem, "description": "Too many requests"}},
    )
    async def resend_link(code: str, body: LinkRequest, request: Request) -> Accepted:
        """Mails a fresh manage link to the registered address; answers the same for any
        address, so nobody can find out who is registered."""
        ctx.throttle(request, body.email)
        await manage.request_link(ctx.runtime.uow(), code, body.email, caller(request))
        if request_locale(request) == "en":
            return Accepted(message="If this address is registered, a new link is on its way")
        return Accepted(message="Если этот адрес зарегистрирован, на него отправлена новая ссылка")

    return router
