"""What every schedule route shares: the forum code in the path, correlation, error answers."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from forum_shared.http import request_locale
from sqlalchemy.exc import IntegrityError

from forum_schedule.domain.errors import (
    ConflictError,
    InvalidError,
    NotFoundError,
    PreconditionFailedError,
    ScheduleError,
    StaleVersionError,
)
from forum_schedule.domain.forum import check_code
from forum_schedule.domain.versions import Expected

log = logging.getLogger(__name__)


class PreconditionRequiredError(ScheduleError):
    """An edit came without the version it was based on."""

    error = "precondition_required"


_STATUS: list[tuple[type[ScheduleError], int]] = [
    (PreconditionRequiredError, 428),
    (NotFoundError, 404),
    (PreconditionFailedError, 412),
    (StaleVersionError, 409),
    (ConflictError, 409),
    (InvalidError, 422),
]


def _valid_code(code: Annotated[str, Path()]) -> str:
    try:
        return check_code(code)
    except ValueError as error:
        raise RequestValidationError(
            [{"loc": ("path", "code"), "msg": f"Value error, {error}", "type": "value_error"}]
        ) from None


ForumCode = Annotated[str, Depends(_valid_code)]


def _correlation(x_correlation_id: Annotated[str | None, Header()] = None) -> uuid.UUID:
    try:
        return uuid.UUID(x_correlation_id) if x_correlation_id else uuid.uuid4()
    except ValueError:
        return uuid.uuid4()


CorrelationId = Annotated[uuid.UUID, Depends(_correlation)]
IfMatch = Annotated[str | None, Header(description='The version the edit is based on: "3"')]


def optional_expected(if_match: str | None, body_version: int | None) -> Expected | None:
    """The version an edit says it is based on, if it says: `If-Match` (412) or `version` (409)."""
    if if_match:
        tag = if_match.strip().removeprefix("W/").strip('"')
        if tag.isdigit():
            return Expected(int(tag), from_header=True)
        raise PreconditionFailedError(
            'Заголовок If-Match должен содержать номер версии, например "3"',
            'If-Match must carry a version number, e.g. "3"',
        )
    return Expected(body_version) if body_version is not None else None


def expected_version(if_match: str | None, body_version: int | None) -> Expected:
    """Like `optional_expected`, for edits that must say which version they are based on."""
    expected = optional_expected(if_match, body_version)
    if expected is not None:
        return expected
    raise PreconditionRequiredError(
        "Укажите версию, которую вы изменяете: поле version или заголовок If-Match",
        "Say which version you are editing: the `version` field or an If-Match header",
    )


def etag(version: int) -> str:
    return f'"{version}"'


async def schedule_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ScheduleError)
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
    body = {"error": exc.error, "message": exc.message(request_locale(request)), **exc.details}
    return JSONResponse(status_code=status, content=body)


async def database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database refused or is away: a retryable answer, never a bare 500."""
    log.error("database error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    english = request_locale(request) == "en"
    if isinstance(exc, IntegrityError):
        message = (
            "A concurrent change got there first; reload and retry"
            if english
            else "Одновременное изменение успело раньше; обновите данные и повторите"
        )
        return JSONResponse({"error": "conflict", "message": message}, status_code=409)
    message = (
        "The schedule is briefly unavailable; retry in a few seconds"
        if english
        else "Программа временно недоступна; повторите через несколько секунд"
    )
    return JSONResponse(
        {"error": "unavailable", "message": message}, status_code=503, headers={"Retry-After": "5"}
    )
