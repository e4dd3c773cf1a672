"""Badge codes: what the QR code on a badge holds, signed so that nobody can forge one.

`PEV1:<registration id>:<HMAC-SHA256(secret, "badge:<id>") truncated to 96 bits, base64url>`.
The notifications service draws the same code into the confirmation email
(`forum_notifications.extras.badge_code`); both must agree, so the format is pinned by a test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

PREFIX = "PEV1"


def badge_code(secret_key: str, registration_id: uuid.UUID) -> str:
    digest = hmac.new(secret_key.encode(), f"badge:{registration_id}".encode(), hashlib.sha256)
    signature = base64.urlsafe_b64encode(digest.digest()[:12]).rstrip(b"=").decode()
    return f"{PREFIX}:{registration_id}:{signature}"


def read_badge(secret_key: str, code: str) -> uuid.UUID | None:
    """The registration a genuine badge belongs to, or None for anything forged or garbled."""
    prefix, _, rest = code.strip().partition(":")
    raw_id, _, _ = rest.partition(":")
    if prefix != PREFIX:
        return None
    try:
        registration_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    expected = badge_code(secret_key, registration_id)
    return registration_id if hmac.compare_digest(expected, code.strip()) else None
