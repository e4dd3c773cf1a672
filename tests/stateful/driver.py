"""The HTTP calls the stateful test makes, as an organiser and as attendees, and the mail seen."""

from __future__ import annotations

import email.policy
import re
import uuid
from collections import Counter
from email.parser import BytesHeaderParser
from typing import Any

import httpx

from tests.stateful.platform import ADMIN_TOKEN, MAIL_DOMAIN, DevPlatform

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
FORUM = {
    "title": {"ru": "ПромЭнергоVolga2030", "en": "PromEnergoVolga 2030"},
    "venue": {"ru": "Волгоград Арена", "en": "Volgograd Arena"},
    "timezone": "Europe/Volgograd",
    "starts_on": "2030-11-23",
    "ends_on": "2030-11-25",
}
# `<source event>.<recipient>.<template>@<sender's domain>` (forum_notifications.domain)
MESSAGE_ID = re.compile(
    rf"^<(?P<event>[0-9a-f-]{{36}})\.(?P<recipient>[0-9a-f-]{{36}})\.(?P<template>[a-z_]+)"
    rf"@{re.escape(MAIL_DOMAIN)}>$"
)


def session_times(day: int, hour: int) -> dict[str, str]:
    """Each session keeps to its own day of the forum, so no move ever double-books a hall."""
    return {
        "starts_at": f"2030-11-{23 + day}T{hour:02d}:00:00+03:00",
        "ends_at": f"2030-11-{23 + day}T{hour:02d}:45:00+03:00",
    }


class Driver:
    """One forum edition on the shared platform; every call asserts the answer it expects."""

    def __init__(self, platform: DevPlatform) -> None:
        self.platform = platform
        self.code = f"stateful-{uuid.uuid4().hex[:10]}"
        self.first_mail = len(platform.sink.messages)

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        http = self.platform.http
        assert http is not None
        return self.platform.call(http.request(method, url, **kwargs))

    def admin(self, method: str, path: str, body: Any, expect: int = 200) -> dict[str, Any]:
        answer = self._request(method, f"/v1/forums/{self.code}{path}", json=body, headers=ADMIN)
        assert answer.status_code == expect, f"{method} {path}: {answer.status_code} {answer.text}"
        result: dict[str, Any] = answer.json()
        return result

    def register(self, email: str, session_ids: list[str]) -> httpx.Response:
        body = {
            "full_name": "Участник Проверочный",
            "email": email,
            "region": "Волгоградская область",
            "category": "delegate",
            "session_ids": session_ids,
            "consents": {"personal_data": True},
        }
        return self._request("POST", f"/v1/forums/{self.code}/registrations", json=body)

    def attendee(
        self, method: str, registration_id: str, token: str, path: str = "", **kwargs: Any
    ) -> dict[str, Any]:
        answer = self._request(
            method,
            f"/v1/registrations/{registration_id}{path}",
            headers={"Authorization": f"Bearer {token}"},
            **kwargs,
        )
        assert answer.status_code == 200, f"{method} {path}: {answer.status_code} {answer.text}"
        result: dict[str, Any] = answer.json()
        return result

    def mail(self) -> Counter[tuple[str, str]]:
        """(recipient, template) of every email this forum's test got, each Message-ID checked."""
        received: Counter[tuple[str, str]] = Counter()
        seen: set[str] = set()
        for mail in self.platform.sink.messages[self.first_mail :]:
            headers = BytesHeaderParser(policy=email.policy.default).parsebytes(mail.raw)
            message_id = str(headers["Message-ID"])
            match = MESSAGE_ID.match(message_id)
            assert match, f"Message-ID not of the documented form: {message_id}"
            assert message_id not in seen, f"Message-ID sent twice: {message_id}"
            seen.add(message_id)
            [recipient] = mail.recipients
            received[(recipient, match["template"])] += 1
        return received
