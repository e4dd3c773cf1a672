"""Composition root of the schedule service: tables, runtime, routes, error answers."""

from __future__ import annotations

from fastapi import FastAPI
from forum_shared.http import create_service_app
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings
from sqlalchemy.exc import DBAPIError

from forum_schedule.api import routers
from forum_schedule.api.common import database_error, schedule_error
from forum_schedule.domain.errors import ScheduleError
from forum_schedule.models import Base
from forum_schedule.pages import programme_pages_router

SERVICE = "schedule"


def create_app(settings: ForumSettings) -> FastAPI:
    runtime = ServiceRuntime(SERVICE, settings, Base.metadata)
    app = create_service_app(
        runtime,
        title="ПромЭнергоVolga — schedule",
        description="Forums, halls, speakers, sessions and programme releases.",
        routers=[*routers(runtime), programme_pages_router(runtime)],
    )
    app.add_exception_handler(ScheduleError, schedule_error)
    app.add_exception_handler(DBAPIError, database_error)
    return app
