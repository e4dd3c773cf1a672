"""HTTP routes of the schedule service; handlers stay thin and call one use case each."""

from __future__ import annotations

from fastapi import APIRouter
from forum_shared.http import admin_guard
from forum_shared.service import ServiceRuntime

from forum_schedule.api.calendar import calendar_router
from forum_schedule.api.catalogue import catalogue_router
from forum_schedule.api.forums import forums_router
from forum_schedule.api.imports import imports_router
from forum_schedule.api.releases import releases_router
from forum_schedule.api.sessions import sessions_router


def routers(runtime: ServiceRuntime) -> list[APIRouter]:
    admin = admin_guard(runtime.settings.admin_token)
    return [
        forums_router(runtime, admin),
        catalogue_router(runtime, admin),
        calendar_router(runtime),  # before sessions: `/sessions/{id}.ics` must match first
        sessions_router(runtime, admin),
        releases_router(runtime, admin),
        imports_router(runtime, admin),
    ]
