"""Opting out of optional mail: schedule-change digests and reminders, never transactional mail.

Each optional email carries a personal unsubscribe link (and RFC 8058 one-click headers). The
link names the email row, not the address, so no personal data travels in URLs or access
logs; an HMAC under the platform secret makes the link unguessable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from forum_notifications.domain import Template

OPTIONAL: dict[str, str] = {
    Template.SCHEDULE_DIGEST.value: "digests",
    Template.REMINDER.value: "reminders",
}
KINDS = ("digests", "reminders")


def email_key(address: str) -> str:
    return address.strip().lower()


def unsubscribe_token(secret_key: str, email_id: uuid.UUID, kind: str) -> str:
    message = f"unsubscribe:{email_id}:{kind}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def token_valid(secret_key: str, email_id: uuid.UUID, kind: str, presented: str) -> bool:
    expected = unsubscribe_token(secret_key, email_id, kind)
    return hmac.compare_digest(expected.encode(), presented.encode())


def unsubscribe_url(public_url: str, secret_key: str, email_id: uuid.UUID, template: str) -> str:
    kind = OPTIONAL[template]
    token = unsubscribe_token(secret_key, email_id, kind)
    return f"{public_url.rstrip('/')}/v1/unsubscribe/{email_id}?kind={kind}&token={token}"
