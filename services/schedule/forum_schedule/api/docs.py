"""Error answers as the OpenAPI document shows them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """A refusal: a stable `error` code, a `message` in the caller's locale, and details."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(examples=["stale_version"])
    message: str


Responses = dict[int | str, dict[str, Any]]


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


# 401 (the organiser guard's own body) is documented by the shared shell.
ADMIN: Responses = {}
NOT_FOUND: Responses = {404: _problem("Unknown forum or entity")}
WRITE: Responses = {**ADMIN, **NOT_FOUND}
EDIT: Responses = {
    **ADMIN,
    **NOT_FOUND,
    409: _problem("Stale `version` in the body (`current_version` says the current one)"),
    412: _problem("Stale `If-Match`"),
}
STRICT_EDIT: Responses = {**EDIT, 428: _problem("Neither `version` nor `If-Match` given")}
RELEASE: Responses = {
    **ADMIN,
    **NOT_FOUND,
    409: _problem("Conflicts remain (listed in `conflicts`) or nothing changed"),
}
