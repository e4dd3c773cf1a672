"""What every schedule route shares: the forum code in the path, correlation, error answers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from forum_shared.http import request_locale

from forum_schedule.domain.errors import (
    ConflictError,
    InvalidError,
    NotFoundError,
    PreconditionFailedError,
    ScheduleError,
    StaleVersionError,
)
from forum_schedule.domain.forum import check_code

_STATUS: list[tuple[type[ScheduleError], int]] = [
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


async def schedule_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ScheduleError)
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
    body = {"error": exc.error, "message": exc.message(request_locale(request)), **exc.details}
    return JSONResponse(status_code=status, content=body)
