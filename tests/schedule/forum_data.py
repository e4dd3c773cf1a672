"""The demo forum's details as the admin API takes them, shared by the schedule tests."""

from __future__ import annotations

from typing import Any

CODE = "promenergovolga-2022"
ADMIN = {"Authorization": "Bearer test-admin-token"}


def forum_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": {"ru": "ПромЭнергоVolga2022", "en": "PromEnergoVolga2022"},
        "venue": {"ru": "Волгоград Арена", "en": "Volgograd Arena"},
        "address": {
            "ru": "Волгоград, проспект Ленина, 76",
            "en": "76 Lenin Avenue, Volgograd",
        },
        "timezone": "Europe/Volgograd",
        "starts_on": "2022-11-23",
        "ends_on": "2022-11-25",
        "capacity": 1500,
        "registration_opens_at": "2022-10-01T09:00:00+03:00",
        "registration_closes_at": "2022-11-22T18:00:00+03:00",
        "organizer": {
            "ru": "Комитет промышленной политики, торговли и ТЭК Волгоградской области",
            "en": "Volgograd Region Committee for Industrial Policy, Trade and Fuel and Energy",
        },
        "contact_email": "info@promenergovolga.ru",
        "contact_phone": "+7 (844) 226-50-34",
    }
    body.update(overrides)
    return body
