"""Badge codes: what the QR code on a badge holds, signed so that nobody can forge one.

The format lives in `forum_shared.links` so that the notifications service, which draws the
code into the confirmation email, and this service, which checks it at the entrance, agree.
"""

from forum_shared.links import BADGE_PREFIX as PREFIX
from forum_shared.links import badge_code, read_badge

__all__ = ["PREFIX", "badge_code", "read_badge"]
