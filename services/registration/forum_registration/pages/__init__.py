"""Server-rendered attendee pages of the registration service (Jinja2, no JS framework)."""

from forum_registration.pages.routes import pages_router

__all__ = ["pages_router"]
