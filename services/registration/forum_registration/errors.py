"""Domain refusals as HTTP answers a person can read, in Russian or English."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from forum_shared.http import request_locale
from sqlalchemy.exc import DBAPIError

from forum_registration.domain import InvalidFormError, RegistrationError

log = logging.getLogger(__name__)

# code: (HTTP status, Russian, English); `{…}` placeholders come from the error's details.
REFUSALS: dict[str, tuple[int, str, str]] = {
    "forum_not_found": (404, "Форум не найден", "Forum not found"),
    "registration_not_found": (404, "Регистрация не найдена", "Registration not found"),
    "registration_not_open": (
        409,
        "Регистрация ещё не открыта; она откроется {opens_at}",
        "Registration is not open yet; it opens at {opens_at}",
    ),
    "registration_closed": (
        409,
        "Регистрация закрыта {closed_at}",
        "Registration closed at {closed_at}",
    ),
    "duplicate_email": (
        409,
        "На этот адрес уже есть регистрация на форум. Чтобы изменить её, запросите ссылку "
        "управления повторно: POST /v1/forums/{forum}/registrations/manage-link",
        "This email is already registered for the forum. To change the registration, ask for "
        "the manage link again: POST /v1/forums/{forum}/registrations/manage-link",
    ),
    "idempotency_in_progress": (
        409,
        "Запрос с этим Idempotency-Key ещё выполняется; повторите позже",
        "A request with this Idempotency-Key is still running; retry later",
    ),
    "idempotency_mismatch": (
        422,
        "Этот Idempotency-Key уже использован с другим запросом",
        "This Idempotency-Key was already used with a different request",
    ),
    "idempotency_key_invalid": (
        422,
        "Idempotency-Key должен быть непустым и не длиннее {limit} символов",
        "Idempotency-Key must be non-empty and at most {limit} characters",
    ),
    "unauthenticated": (
        401,
        "Нужен токен организатора: Authorization: Bearer <FORUM_ADMIN_TOKEN>",
        "An organiser token is required: Authorization: Bearer <FORUM_ADMIN_TOKEN>",
    ),
    "forbidden": (403, "Этот токен не даёт прав организатора", "This token is not an organiser's"),
    "not_pending": (
        409,
        "Подтвердить можно только заявку, ожидающую одобрения (сейчас «{status}»)",
        "Only a registration pending approval can be approved (now '{status}')",
    ),
    "badge_invalid": (
        422,
        "Код бейджа не распознан: бейдж поддельный или повреждён",
        "Badge code not recognised: the badge is forged or damaged",
    ),
    "badge_not_valid": (
        409,
        "Бейдж недействителен: регистрация в статусе «{status}»",
        "The badge is not valid: the registration is '{status}'",
    ),
    "rate_limited": (
        429,
        "Слишком много запросов; повторите через {retry_after} с",
        "Too many requests; retry in {retry_after} s",
    ),
    "registration_inactive": (
        409,
        "Действие недоступно для регистрации в статусе «{status}»",
        "Not possible for a registration with status '{status}'",
    ),
}

FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("обязательное поле", "required"),
    "control_characters": (
        "недопустимые управляющие символы (перевод строки, NUL и т. п.)",
        "control characters (line breaks, NUL, …) are not allowed",
    ),
    "invalid_email": ("некорректный адрес электронной почты", "not a valid email address"),
    "invalid_phone": (
        "некорректный номер телефона: от 5 до 15 цифр, допускаются +, пробелы, скобки и дефисы",
        "not a valid phone number: 5 to 15 digits; +, spaces, brackets and hyphens allowed",
    ),
    "unknown_region": (
        "укажите субъект Российской Федерации (например, «Волгоградская область») или страну",
        "name a subject of the Russian Federation (e.g. 'Volgograd Oblast') or a country",
    ),
    "consent_required": (
        "нужно согласие на обработку персональных данных (152-ФЗ)",
        "consent to personal data processing is required",
    ),
    "unknown_consent": ("неизвестный вид согласия", "unknown kind of consent"),
    "unknown_session": (
        "можно выбрать только опубликованные мероприятия этого форума",
        "only published sessions of this forum can be chosen",
    ),
    "duplicate_sessions": ("мероприятие указано дважды", "a session is listed twice"),
}


def _format(template: str, details: dict[str, Any]) -> str:
    values = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in details.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template


def refusal_body(error: RegistrationError, locale: str) -> tuple[int, dict[str, Any]]:
    if isinstance(error, InvalidFormError):
        fields = [
            {
                "field": problem.field,
                "message": FIELD_MESSAGES.get(problem.code, (problem.code, problem.code))[
                    locale == "en"
                ],
            }
            for problem in error.problems
        ]
        message = "Проверьте поля формы" if locale == "ru" else "Please check the fields"
        return 422, {"error": "validation_failed", "message": message, "fields": fields}
    status, ru, en = REFUSALS.get(error.code, (400, error.code, error.code))
    message = _format(en if locale == "en" else ru, dict(error.details))
    return status, {"error": error.code, "message": message}


def _headers(error: RegistrationError, status: int) -> dict[str, str] | None:
    if status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if status == 429:
        return {"Retry-After": str(error.details.get("retry_after", 60))}
    return None


async def _registration_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RegistrationError)
    status, body = refusal_body(exc, request_locale(request))
    return JSONResponse(body, status_code=status, headers=_headers(exc, status))


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("database error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    locale = request_locale(request)
    message = (
        "Сервис временно недоступен, повторите запрос"
        if locale == "ru"
        else "The service is temporarily unavailable, please retry"
    )
    return JSONResponse(
        {"error": "unavailable", "message": message},
        status_code=503,
        headers={"Retry-After": "5"},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RegistrationError, _registration_error)
    app.add_exception_handler(DBAPIError, _database_error)
