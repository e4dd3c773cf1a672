"""Public routes the forum's frontends call: register, forum availability, region list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from forum_shared.links import manage_token, manage_url
from forum_shared.service import ServiceRuntime

from forum_registration.queries import forum_info
from forum_registration.regions import countries, subjects
from forum_registration.schemas import (
    ForumInfo,
    Problem,
    RegistrationCreated,
    RegistrationRequest,
    ValidationProblem,
)
from forum_registration.use_cases import Registered, register_attendee

REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Unknown forum"},
    409: {"model": Problem, "description": "Registration closed, or email already registered"},
    422: {"model": ValidationProblem, "description": "Bad fields, each named with the reason"},
}


@dataclass(frozen=True)
class Context:
    runtime: ServiceRuntime

    @property
    def secret_key(self) -> str:
        return self.runtime.settings.secret_key


def correlation_id(request: Request) -> uuid.UUID:
    raw = request.headers.get("x-correlation-id") or request.headers.get("x-request-id")
    try:
        return uuid.UUID(raw) if raw else uuid.uuid4()
    except ValueError:
        return uuid.uuid4()


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def created_body(ctx: Context, registered: Registered) -> dict[str, Any]:
    token = manage_token(ctx.secret_key, registered.id, registered.link_generation)
    return RegistrationCreated(
        id=registered.id,
        forum=registered.forum,
        status=registered.status,
        category=registered.category,
        locale=registered.locale,
        created_at=registered.created_at,
        manage_token=token,
        manage_url=manage_url(ctx.runtime.settings.public_url, registered.id, token),
    ).model_dump(mode="json")


def public_router(ctx: Context) -> APIRouter:
    router = APIRouter(tags=["registration"])

    @router.post(
        "/v1/forums/{code}/registrations",
        status_code=201,
        response_model=RegistrationCreated,
        responses=REFUSALS,
        summary="Register an attendee",
    )
    async def register(code: str, body: RegistrationRequest, request: Request) -> JSONResponse:
        registered = await register_attendee(
            body.to_form(),
            forum_code=code,
            uow=ctx.runtime.uow(),
            now=datetime.now(UTC),
            client_address=client_address(request),
            correlation_id=correlation_id(request),
        )
        return JSONResponse(created_body(ctx, registered), status_code=201)

    @router.get(
        "/v1/forums/{code}",
        response_model=ForumInfo,
        responses={404: REFUSALS[404]},
        summary="Whether registration is open and how many places are left",
    )
    async def forum(code: str) -> ForumInfo:
        async with ctx.runtime.uow() as uow:
            return await forum_info(uow.session, code, now=datetime.now(UTC))

    @router.get("/v1/regions", summary="Subjects of the Russian Federation and countries")
    async def regions() -> dict[str, list[dict[str, str]]]:
        return {
            "subjects": [{"ru": r.ru, "en": r.en} for r in subjects()],
            "countries": [{"ru": r.ru, "en": r.en} for r in countries()],
        }

    return router
