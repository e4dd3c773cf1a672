"""Organiser routes (`Authorization: Bearer <FORUM_ADMIN_TOKEN>`): 401 without a token,
403 with a token that is not the organisers'."""

from __future__ import annotations

import hmac
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response
from forum_shared.contracts.common import AttendeeCategory, RegistrationStatus

from forum_registration import admin, reports
from forum_registration.api import Context, correlation_id
from forum_registration.domain import RegistrationError
from forum_registration.schemas import (
    AdminRegistration,
    CheckInRequest,
    CheckInResult,
    Problem,
    RegistrationPage,
    RejectRequest,
    Summary,
)

GUARDED: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No organiser token"},
    403: {"model": Problem, "description": "A token that is not the organisers'"},
}
WITH_404: dict[int | str, dict[str, Any]] = {
    **GUARDED,
    404: {"model": Problem, "description": "Unknown registration"},
    409: {"model": Problem, "description": "Not possible in the registration's status"},
}


def organiser_guard(expected: str) -> Any:
    async def require_organiser(
        authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise RegistrationError("unauthenticated")
        if not hmac.compare_digest(token.strip().encode(), expected.encode()):
            raise RegistrationError("forbidden")

    return Depends(require_organiser)


def _safe(code: str) -> str:
    """A file name any browser accepts in a header: ASCII letters, digits, `.`, `_`, `-`."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", code)[:100] + "-registrations"


def filters(
    status: RegistrationStatus | None = None,
    category: AttendeeCategory | None = None,
    region: Annotated[str | None, Query(max_length=200)] = None,
    organization: Annotated[str | None, Query(max_length=300)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Name, email, org.")] = None,
    session_id: Annotated[uuid.UUID | None, Query(description="Signed up for it")] = None,
) -> reports.Filters:
    return reports.Filters(
        status.value if status else None,
        category.value if category else None,
        region,
        organization,
        q,
        session_id,
    )


Filtered = Annotated[reports.Filters, Depends(filters)]


def admin_router(ctx: Context) -> APIRouter:
    guard = organiser_guard(ctx.runtime.settings.admin_token)
    router = APIRouter(tags=["organisers"], dependencies=[guard])

    @router.get("/v1/forums/{code}/registrations", responses=GUARDED)
    async def list_registrations(
        code: str,
        chosen: Filtered,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> RegistrationPage:
        async with ctx.runtime.uow() as uow:
            total, rows = await reports.list_registrations(
                uow.session, code, chosen, limit=limit, offset=offset
            )
            items = [AdminRegistration.model_validate(row, from_attributes=True) for row in rows]
        return RegistrationPage(total=total, limit=limit, offset=offset, items=items)

    @router.get(
        "/v1/forums/{code}/registrations/export.csv",
        responses={**GUARDED, 200: {"content": {"text/csv": {}}}},
        response_class=Response,
    )
    async def export_csv(code: str, chosen: Filtered) -> Response:
        async with ctx.runtime.uow() as uow:
            exported = reports.to_csv(await reports.all_registrations(uow.session, code, chosen))
        return Response(
            exported,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{_safe(code)}.csv"'},
        )

    @router.get("/v1/forums/{code}/registrations/summary", responses=GUARDED)
    async def summary(code: str) -> Summary:
        async with ctx.runtime.uow() as uow:
            return Summary.model_validate(await reports.summary(uow.session, code))

    @router.post("/v1/registrations/{registration_id}/approve", responses=WITH_404)
    async def approve(registration_id: uuid.UUID, request: Request) -> AdminRegistration:
        row = await admin.approve(
            ctx.runtime.uow(),
            registration_id,
            now=datetime.now(UTC),
            correlation_id=correlation_id(request),
        )
        return AdminRegistration.model_validate(row, from_attributes=True)

    @router.post("/v1/registrations/{registration_id}/reject", responses=WITH_404)
    async def reject(
        registration_id: uuid.UUID, request: Request, body: RejectRequest | None = None
    ) -> AdminRegistration:
        row = await admin.reject(
            ctx.runtime.uow(),
            registration_id,
            body.reason if body else None,
            now=datetime.now(UTC),
            correlation_id=correlation_id(request),
        )
        return AdminRegistration.model_validate(row, from_attributes=True)

    @router.post("/v1/forums/{code}/check-ins", responses=WITH_404)
    async def check_in(code: str, body: CheckInRequest, request: Request) -> CheckInResult:
        done = await admin.check_in(
            ctx.runtime.uow(),
            code,
            body.code,
            secret_key=ctx.secret_key,
            now=datetime.now(UTC),
            correlation_id=correlation_id(request),
        )
        return CheckInResult.model_validate(done, from_attributes=True)

    return router
