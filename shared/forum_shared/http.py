"""The HTTP shell every service shares: lifespan, health probes, readable errors, admin auth."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from forum_shared.http_middleware import ServiceHttpMiddleware, locale_of
from forum_shared.openapi import document_shared_errors
from forum_shared.service import ServiceRuntime

_MESSAGES_RU = {
    "missing": "обязательное поле",
    "string_too_short": "слишком короткое значение",
    "string_too_long": "слишком длинное значение",
    "string_type": "ожидается строка",
    "int_parsing": "ожидается целое число",
    "int_type": "ожидается целое число",
    "bool_parsing": "ожидается true или false",
    "bool_type": "ожидается true или false",
    "enum": "недопустимое значение",
    "literal_error": "недопустимое значение",
    "date_from_datetime_parsing": "ожидается дата в формате ГГГГ-ММ-ДД",
    "date_parsing": "ожидается дата в формате ГГГГ-ММ-ДД",
    "datetime_parsing": "ожидается дата и время в формате ISO 8601",
    "datetime_from_date_parsing": "ожидается дата и время в формате ISO 8601",
    "uuid_parsing": "ожидается идентификатор UUID",
    "json_invalid": "тело запроса — не корректный JSON",
    "model_attributes_type": "ожидается объект",
    "dict_type": "ожидается объект",
    "list_type": "ожидается список",
    "greater_than_equal": "значение слишком мало",
    "less_than_equal": "значение слишком велико",
    "extra_forbidden": "неизвестное поле",
}


def request_locale(request: Request) -> str:
    return locale_of(request.headers)


def field_errors(errors: Sequence[Any], locale: str) -> list[dict[str, str]]:
    """Pydantic errors as `{field, message}` a person can read, in the request's locale."""
    readable = []
    for error in errors:
        location = [
            str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")
        ]
        message = str(error.get("msg", "invalid value"))
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        elif locale == "ru":
            message = _MESSAGES_RU.get(str(error.get("type")), message)
        readable.append({"field": ".".join(location) or "body", "message": message})
    return readable


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    locale = request_locale(request)
    return JSONResponse(
        status_code=422,
        content={
            "error": "validation_failed",
            "message": "Проверьте поля формы" if locale == "ru" else "Please check the fields",
            "fields": field_errors(exc.errors(), locale),
        },
    )


def health_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "alive", "service": runtime.name}

    @router.get("/health/ready")
    async def ready() -> JSONResponse:
        report = await runtime.readiness()
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        await runtime.refresh_gauges()
        return Response(generate_latest(runtime.registry), media_type=CONTENT_TYPE_LATEST)

    return router


def create_service_app(
    runtime: ServiceRuntime, *, title: str, routers: Sequence[APIRouter], description: str = ""
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="1", lifespan=lifespan)
    app.state.runtime = runtime
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_middleware(ServiceHttpMiddleware, service=runtime.name, metrics=runtime.metrics)
    document_shared_errors(app)
    app.include_router(health_router(runtime))
    for router in routers:
        app.include_router(router)
    return app


_BEARER = HTTPBearer(auto_error=False, description="The organiser's token (FORUM_ADMIN_TOKEN)")


def admin_guard(expected_token: str) -> Any:
    """A dependency that lets only the organiser's bearer token through."""

    async def require_admin(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
    ) -> None:
        token = credentials.credentials if credentials else ""
        if not hmac.compare_digest(token.encode(), expected_token.encode()):
            raise HTTPException(
                status_code=401,
                detail="Нужен токен организатора: Authorization: Bearer <FORUM_ADMIN_TOKEN>",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return Depends(require_admin)
