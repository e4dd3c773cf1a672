"""Structured logs that carry the event and correlation ids and never show personal data.

Emails and phone numbers are masked in every record, whatever logged them (our code,
FastStream, uvicorn), because a log line is the easiest place for personal data to leak.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from forum_shared.tracing import current_ids

event_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)
correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# An international number (+…) or a Russian trunk number (8 …); bare digit runs such as
# dates and ids are left alone.
_PHONE = re.compile(
    r"(?<![\w-])(?:\+\d[\d ()-]{8,}\d|8[ (-]*\d{3}[ )-]*\d{3}[ -]*\d{2}[ -]*\d{2})(?![\w-])"
)


_SECRET = re.compile(r"(token=|Bearer )[A-Za-z0-9._~+/=-]+")


def mask_personal_data(text: str) -> str:
    """`ivan@example.ru` → `i***@example.ru`; `+7 999 123-45-67` → `***67`; tokens hidden."""
    text = _SECRET.sub(r"\1***", text)
    text = _EMAIL.sub(r"\1***@\2", text)
    return _PHONE.sub(lambda match: "***" + match.group()[-2:], text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal_data(record.getMessage()),
        }
        for key, var in (("event_id", event_id_var), ("correlation_id", correlation_id_var)):
            value = var.get()
            if value:
                entry[key] = value
        ids = current_ids()
        if ids:
            entry["trace_id"], entry["span_id"] = ids
        if record.exc_info:
            entry["error"] = mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(
            f"{key}={var.get()}"
            for key, var in (("event", event_id_var), ("corr", correlation_id_var))
            if var.get()
        )
        line = super().format(record)
        return mask_personal_data(f"{line} {ids}" if ids else line)


def configure_logging(*, json_output: bool, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if json_output
        else PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    for chatty in ("aiosqlite", "mail.log", "aiormq", "aio_pika", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
