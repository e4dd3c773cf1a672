"""Jinja2 rendering of emails: ru and en, HTML autoescaped, undefined variables are errors.

Templates live in `templates/<locale>/<name>.{subject,txt,html}.j2`. Only the `.html.j2`
part is escaped (plain text is not HTML; it must simply never carry markup-sensitive links
built from user input). A failed render is a `PermanentError`: no half-rendered email leaves,
and the event goes to the dead-letter queue where it can be inspected and replayed.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from forum_shared.messaging.consumer import PermanentError
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from forum_notifications.domain import RenderedEmail, header_text, pick_locale

TEMPLATES_DIR = Path(__file__).parent / "templates"


class RenderError(PermanentError):
    """A template is missing, broken, or asked for a value the context does not have."""


# Pure functions of a few dates, zones and locales that every email repeats (the forum's dates,
# the sessions' times): babel's formatting is worth doing once per distinct value.
@lru_cache(maxsize=256)
def date_range(starts_on: date, ends_on: date, locale: str) -> str:
    """`10–12 декабря 2026 г.` / `December 10–12, 2026`, in the locale's own wording."""
    if starts_on == ends_on:
        return format_date(starts_on, "long", locale=locale)
    same_year = starts_on.year == ends_on.year
    if same_year and starts_on.month == ends_on.month:
        if locale == "en":
            return (
                f"{format_date(starts_on, 'MMMM d', locale=locale)}–{ends_on.day}, {ends_on.year}"
            )
        return f"{starts_on.day}–{format_date(ends_on, 'long', locale=locale)}"
    first_pattern = ("MMMM d" if locale == "en" else "d MMMM") if same_year else "long"
    first = format_date(starts_on, first_pattern, locale=locale)
    return f"{first} — {format_date(ends_on, 'long', locale=locale)}"


@lru_cache(maxsize=4096)
def local_datetime(moment: datetime, timezone: str, locale: str) -> str:
    """`четверг, 10 декабря, 10:00` in the forum's time zone."""
    zone = ZoneInfo(timezone)
    day = format_date(moment.astimezone(zone), "EEEE, d MMMM", locale=locale)
    return f"{day}, {format_time(moment, 'HH:mm', tzinfo=zone, locale=locale)}"


@lru_cache(maxsize=4096)
def local_time(moment: datetime, timezone: str, locale: str) -> str:
    return format_time(moment, "HH:mm", tzinfo=ZoneInfo(timezone), locale=locale)


@lru_cache(maxsize=4096)
def local_day(moment: datetime, timezone: str, locale: str) -> str:
    return format_datetime(moment, "d MMMM", tzinfo=ZoneInfo(timezone), locale=locale)


class Renderer:
    """Renders `<name>` in a locale into subject, plain text and HTML."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.env = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=select_autoescape(
                enabled_extensions=("html.j2", "html", "xml"),
                disabled_extensions=("txt.j2", "subject.j2"),
                default_for_string=True,
                default=True,
            ),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Templates ship with the code: no stat() of every template file on every render.
            auto_reload=False,
        )

    def render(self, name: str, locale: str, context: dict[str, Any]) -> RenderedEmail:
        locale = pick_locale(locale)
        try:
            subject = self._part(name, locale, "subject", context)
            text = self._part(name, locale, "txt", context)
            html = self._part(name, locale, "html", context)
        except TemplateError as error:
            raise RenderError(
                f"template {locale}/{name}: {type(error).__name__}: {error}"
            ) from error
        return RenderedEmail(subject=header_text(subject), text=text, html=html)

    def _part(self, name: str, locale: str, part: str, context: dict[str, Any]) -> str:
        return self.env.get_template(f"{locale}/{name}.{part}.j2").render(context)
