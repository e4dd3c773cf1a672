"""The HTML form as the JSON API's body, for browsers without JavaScript (the fallback path)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from forum_shared.http import field_errors
from pydantic import ValidationError

from forum_registration.domain import RegistrationError
from forum_registration.errors import refusal_body
from forum_registration.schemas import RegistrationRequest

CONSENTS = ("personal_data", "news", "photo")
TEXT_FIELDS = ("full_name", "email", "phone", "organization", "position", "region")


async def posted(request: Request) -> dict[str, list[str]]:
    """An urlencoded body (the only kind our forms send)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return parse_qs(body, keep_blank_values=True)


def first(data: dict[str, list[str]], name: str) -> str:
    return (data.get(name) or [""])[0]


def registration_body(data: dict[str, list[str]]) -> dict[str, Any]:
    """What register.js sends as JSON, built the same way from the same form."""
    body: dict[str, Any] = {name: first(data, name).strip() for name in TEXT_FIELDS}
    for optional in ("phone", "organization", "position"):
        body[optional] = body[optional] or None
    body["category"] = first(data, "category") or None
    body["locale"] = first(data, "locale") or "ru"
    body["session_ids"] = data.get("session_ids", [])
    body["consents"] = {name: first(data, f"consents.{name}") == "yes" for name in CONSENTS}
    return body


class FormProblemsError(Exception):
    """What to show: a message above the form and one message per field."""

    def __init__(self, status: int, message: str, fields: dict[str, str]) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields


def parse_request(body: dict[str, Any], locale: str) -> RegistrationRequest:
    try:
        return RegistrationRequest.model_validate(body)
    except ValidationError as error:
        fields = {f["field"]: f["message"] for f in field_errors(error.errors(), locale)}
        message = "Проверьте поля формы" if locale == "ru" else "Please check the fields"
        raise FormProblemsError(422, message, fields) from error


def problems_of(error: RegistrationError, locale: str) -> FormProblemsError:
    status, answer = refusal_body(error, locale)
    fields = {f["field"]: f["message"] for f in answer.get("fields", [])}
    return FormProblemsError(status, str(answer["message"]), fields)
