"""`forum docs`: regenerate the AsyncAPI documents (CI checks the committed ones match)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from forum_shared.asyncapi import build_document, catalogue_document
from forum_shared.contracts import EVENT_CATALOGUE
from forum_shared.service import ServiceRuntime
from forum_shared.settings import ForumSettings

SERVICES = {
    # service: (module with create_app, the context prefix of what it publishes, title)
    "registration": ("forum_registration.main", "registration.", "Registration service events"),
    "schedule": ("forum_schedule.main", "schedule.", "Schedule service events"),
    "notifications": ("forum_notifications.main", "notification.", "Notifications service events"),
}


def service_document(service: str) -> dict[str, Any]:
    module, prefix, title = SERVICES[service]
    runtime: ServiceRuntime = (
        importlib.import_module(module).create_app(ForumSettings()).state.runtime
    )
    sends = [c.event_type for c in EVENT_CATALOGUE.values() if c.event_type.startswith(prefix)]
    receives = {consumer.queue: list(consumer.handlers) for consumer in runtime.consumers}
    return build_document(
        title=title,
        description=f"What the {service} service publishes on `forum.events` and consumes.",
        sends=sends,
        receives=receives,
    )


def all_documents() -> dict[str, dict[str, Any]]:
    documents = {"catalogue": catalogue_document()}
    documents.update({service: service_document(service) for service in SERVICES})
    return documents


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_documents(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in all_documents().items():
        path = folder / f"{name}.json"
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written
