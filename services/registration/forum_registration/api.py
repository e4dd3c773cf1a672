"""Public routes the forum's frontends call: register, forum availability, region list."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from forum_shared.links import manage_token, manage_url
from forum_shared.service import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncSession

from forum_registration.domain import RegistrationError, email_key
from forum_registration.idempotency import IdempotencyKeys, fingerprint, store_answer
from forum_registration.queries import forum_info
from forum_registration.ratelimit import RateLimiter
from forum_registration.regions import countries, subjects
from forum_registration.schemas import (
    ForumInfo,
    Problem,
    RegionList,
    RegionName,
    RegistrationCreated,
    RegistrationRequest,
    ValidationProblem,
)
from forum_registration.use_cases import BeforeCommit, Registered, register_attendee

REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Unknown forum"},
    409: {"model": Problem, "description": "Registration closed, or email already registered"},
    429: {"model": Problem, "description": "Too many requests; see Retry-After"},
    422: {"model": ValidationProblem, "description": "Bad fields, each named with the reason"},
}


@dataclass(frozen=True)
class Context:
    runtime: ServiceRuntime
    per_client: RateLimiter = field(default_factory=lambda: RateLimiter(0))
    per_email: RateLimiter = field(default_factory=lambda: RateLimiter(0))

    @property
    def secret_key(self) -> str:
        return self.runtime.settings.secret_key

    def throttle(self, request: Request, email: str) -> None:
        """429 when this client or this address asks too often (before any work is done)."""
        wait = self.per_client.hit(f"client:{client_address(request)}")
        wait = wait or self.per_email.hit(f"email:{email_key(email)}")
        if wait is not None:
            raise RegistrationError("rate_limited", retry_after=wait)


def correlation_id(request: Request) -> uuid.UUID:
    raw = request.headers.get("x-correlation-id") or request.headers.get("x-request-id")
    try:
        return uuid.UUID(raw) if raw else uuid.uuid4()
    except ValueError:
        return uuid.uuid4()


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def created_body(ctx: Context, registered: Registered) -> dict[str, Any]:
    return with_token(ctx, stored_body(registered))


def stored_body(registered: Registered) -> dict[str, Any]:
    """The 201 answer without its secret (what an `Idempotency-Key` keeps for replays)."""
    return {
        "id": str(registered.id),
        "forum": registered.forum,
        "status": registered.status,
        "category": registered.category,
        "locale": registered.locale,
        "created_at": registered.created_at.isoformat(),
        "link_generation": registered.link_generation,
    }


def with_token(ctx: Context, stored: dict[str, Any]) -> dict[str, Any]:
    body = dict(stored)
    registration_id = uuid.UUID(body["id"])
    token = manage_token(ctx.secret_key, registration_id, int(body.pop("link_generation")))
    body["manage_token"] = token
    body["manage_url"] = manage_url(ctx.runtime.settings.public_url, registration_id, token)
    return RegistrationCreated.model_validate(body).model_dump(mode="json")


async def idempotent_register(
    ctx: Context, key: str, request_hash: str, run: Callable[[BeforeCommit | None], Any]
) -> JSONResponse:
    keys = IdempotencyKeys(ctx.runtime.session_factory)
    answer = await keys.claim(key, request_hash, datetime.now(UTC))
    if answer is not None:
        return JSONResponse(
            with_token(ctx, answer.body),
            status_code=answer.status_code,
            headers={"Idempotent-Replayed": "true"},
        )

    async def remember(session: AsyncSession, registered: Registered) -> None:
        await store_answer(session, key, 201, stored_body(registered))

    try:
        registered = await run(remember)
    except BaseException:
        await keys.release(key)
        raise
    return JSONResponse(created_body(ctx, registered), status_code=201)


def public_router(ctx: Context) -> APIRouter:
    router = APIRouter(tags=["registration"])

    @router.post(
        "/v1/forums/{code}/registrations",
        status_code=201,
        response_model=RegistrationCreated,
        responses=REFUSALS,
        summary="Register an attendee",
    )
    async def register(
        code: str,
        body: RegistrationRequest,
        request: Request,
        idempotency_key: Annotated[
            str | None,
            Header(description="Retry-safe submission: a replay within 24 h gets the same answer"),
        ] = None,
    ) -> JSONResponse:
        ctx.throttle(request, body.email)

        async def run(before_commit: BeforeCommit | None) -> Registered:
            return await register_attendee(
                body.to_form(),
                forum_code=code,
                uow=ctx.runtime.uow(),
                now=datetime.now(UTC),
                client_address=client_address(request),
                correlation_id=correlation_id(request),
                before_commit=before_commit,
            )

        if idempotency_key is None:
            return JSONResponse(created_body(ctx, await run(None)), status_code=201)
        request_hash = fingerprint("POST", request.url.path, body.model_dump(mode="json"))
        return await idempotent_register(ctx, idempotency_key, request_hash, run)

    @router.get(
        "/v1/forums/{code}/availability",
        response_model=ForumInfo,
        responses={404: REFUSALS[404]},
        summary="Whether registration is open and how many places are left",
    )
    async def forum(code: str) -> ForumInfo:
        async with ctx.runtime.uow() as uow:
            return await forum_info(uow.session, code, now=datetime.now(UTC))

    @router.get("/v1/regions", summary="Subjects of the Russian Federation and countries")
    async def regions() -> RegionList:
        return RegionList(
            subjects=[RegionName(ru=r.ru, en=r.en) for r in subjects()],
            countries=[RegionName(ru=r.ru, en=r.en) for r in countries()],
        )

    return router
