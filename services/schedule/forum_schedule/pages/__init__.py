"""The public programme page of the schedule service (server-rendered, Jinja2)."""

from forum_schedule.pages.routes import programme_pages_router

__all__ = ["programme_pages_router"]
