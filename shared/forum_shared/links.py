"""Secret manage links that never travel on the bus.

The token is an HMAC of the registration id and a generation counter under the platform's
secret key. The registration service stores only the generation and compares in constant
time; rotating the link (resend) bumps the generation and revokes every older link. The
notifications service, holding the same secret, derives the link it puts in an email from
the event's `registration_id` and `link_generation`, so the bus never carries a credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid


def manage_token(secret_key: str, registration_id: uuid.UUID, generation: int) -> str:
    message = f"manage:{registration_id}:{generation}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_matches(
    secret_key: str, registration_id: uuid.UUID, generation: int, presented: str
) -> bool:
    expected = manage_token(secret_key, registration_id, generation)
    return hmac.compare_digest(expected.encode(), presented.encode())


BADGE_PREFIX = "PEV1"


def badge_code(secret_key: str, registration_id: uuid.UUID) -> str:
    """What a badge's QR code holds: `PEV1:<id>:<HMAC-SHA256 truncated to 96 bits>`.

    The registration service checks it at the entrance; the notifications service draws it
    into the confirmation email. Both use this one function so they cannot disagree.
    """
    digest = hmac.new(secret_key.encode(), f"badge:{registration_id}".encode(), hashlib.sha256)
    signature = base64.urlsafe_b64encode(digest.digest()[:12]).rstrip(b"=").decode()
    return f"{BADGE_PREFIX}:{registration_id}:{signature}"


def read_badge(secret_key: str, code: str) -> uuid.UUID | None:
    """The registration a genuine badge belongs to, or None for anything forged or garbled."""
    prefix, _, rest = code.strip().partition(":")
    raw_id, _, _ = rest.partition(":")
    if prefix != BADGE_PREFIX:
        return None
    try:
        registration_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    expected = badge_code(secret_key, registration_id)
    return registration_id if hmac.compare_digest(expected, code.strip()) else None


def manage_url(public_url: str, registration_id: uuid.UUID, token: str) -> str:
    return f"{public_url.rstrip('/')}/manage/{registration_id}?token={token}"
