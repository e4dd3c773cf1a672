"""Badge codes: what the QR code on a badge holds, signed so that nobody can forge one.

`<registration id hex>.<HMAC-SHA256(secret, "badge:<id>") truncated to 128 bits, base64url>`,
about 55 characters: small enough for a QR code a phone camera reads at the entrance.
(The notifications service needs the same function to draw the QR in the email.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid


def badge_code(secret_key: str, registration_id: uuid.UUID) -> str:
    digest = hmac.new(secret_key.encode(), f"badge:{registration_id}".encode(), hashlib.sha256)
    signature = base64.urlsafe_b64encode(digest.digest()[:16]).rstrip(b"=").decode()
    return f"{registration_id.hex}.{signature}"


def read_badge(secret_key: str, code: str) -> uuid.UUID | None:
    """The registration a genuine badge belongs to, or None for anything forged or garbled."""
    raw_id, _, _ = code.strip().partition(".")
    try:
        registration_id = uuid.UUID(hex=raw_id)
    except ValueError:
        return None
    expected = badge_code(secret_key, registration_id)
    return registration_id if hmac.compare_digest(expected, code.strip()) else None
