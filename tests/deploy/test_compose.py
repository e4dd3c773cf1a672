"""`docker-compose.yml` is valid Compose and names only what the code has: services, ports,
`FORUM_*` settings, RabbitMQ users and databases. No Docker engine runs in CI, so this is
what stands between the file and a broken `docker compose up`."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from forum_cli.main import SERVICES
from forum_shared.settings import ForumSettings

from tests.deploy.conftest import DEPLOY, REPO

COMPOSE = REPO / "docker-compose.yml"
SCALABLE = ("notifications",)
INFRA = ("rabbitmq", "postgres", "mailpit")
CHECK_JSONSCHEMA = (sys.executable, "-m", "check_jsonschema")
DEFAULT_VALUE = re.compile(r"^\$\{(?P<name>[A-Z_]+):-(?P<default>[^}]*)\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHECK_JSONSCHEMA, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """The values a container would get, `${VAR:-default}` taken at its default."""
    values = {}
    for name, value in (service.get("environment") or {}).items():
        text = str(value)
        match = DEFAULT_VALUE.match(text)
        values[name] = match["default"] if match else text
    return values


def test_the_file_is_valid_against_the_compose_specification() -> None:
    result = _validate(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_same_schema_rejects_what_compose_would() -> None:
    """In process (a second CLI run costs seconds): the schema check-jsonschema ships."""
    import check_jsonschema

    schema_file = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor"
    schema = json.loads((schema_file / "compose-spec.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    document = yaml.safe_load(COMPOSE.read_text())
    assert not list(validator.iter_errors(document))
    document["services"]["notifications"]["exposes"] = document["services"]["notifications"].pop(
        "expose"
    )
    assert list(validator.iter_errors(document))


def test_the_forum_services_are_exactly_those_the_cli_runs(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == set(SERVICES) | set(INFRA)
    for name, service in services.items():
        assert service.get("image"), f"{name} names no image"
        assert "container_name" not in service, name  # a fixed name defeats --scale


def test_each_service_runs_itself_on_the_port_its_health_check_probes(
    compose: dict[str, Any],
) -> None:
    for name, (_module, default_port) in SERVICES.items():
        service = compose["services"][name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (REPO / service["build"]["context"] / "deploy" / "Dockerfile").is_file()
        command = service["command"]
        assert command[:2] == ["run", name]
        port = int(command[command.index("--port") + 1])
        assert port == default_port
        probe = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/health/ready" in probe
        for published in service.get("ports", []):
            assert str(published).rsplit(":", 1)[-1] == str(port)


def test_scalable_services_publish_no_host_port(compose: dict[str, Any]) -> None:
    for name in SCALABLE:
        service = compose["services"][name]
        assert "ports" not in service, f"{name} cannot be scaled with a fixed host port"
        assert "container_name" not in service


def test_start_up_waits_for_healthy_infrastructure(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in SERVICES:
        depends = services[name]["depends_on"]
        for infra in ("rabbitmq", "postgres"):
            assert depends[infra]["condition"] == "service_healthy", (name, infra)
            assert services[infra]["healthcheck"]["test"], infra
        assert services[name]["healthcheck"]["test"]
    assert "mailpit" in services["notifications"]["depends_on"]


def test_every_forum_variable_is_a_setting_and_the_values_pass_validation(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = ForumSettings.model_fields
    named = set(compose["x-forum-env"])
    for name in SERVICES:
        environment = _environment(compose["services"][name])
        named |= set(environment)
        for variable in environment:
            assert variable.startswith("FORUM_"), variable
            assert variable.removeprefix("FORUM_").lower() in fields, variable
        for variable in list(os.environ):
            if variable.startswith("FORUM_"):
                monkeypatch.delenv(variable)
        for variable, value in environment.items():
            monkeypatch.setenv(variable, value)
        settings = ForumSettings()  # production: refuses default secrets, short keys
        assert settings.env == "production"
        assert settings.graceful_timeout_s < _seconds(
            compose["services"][name]["stop_grace_period"]
        )
    assert {"FORUM_AMQP_URL", "FORUM_DATABASE_URL", "FORUM_SMTP_URL"} <= named


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m)", duration)
    assert match, duration
    return int(match[1]) * (60 if match[2] == "m" else 1)


def test_each_service_uses_its_own_broker_user_and_database(compose: dict[str, Any]) -> None:
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    users = {u["name"]: u for u in definitions["users"]}
    init_sql = (DEPLOY / "postgres" / "init.sql").read_text()
    for name in SERVICES:
        environment = _environment(compose["services"][name])
        amqp = urlsplit(environment["FORUM_AMQP_URL"])
        assert amqp.hostname == "rabbitmq"
        assert amqp.username == f"forum-{name}"
        raw = base64.b64decode(users[amqp.username]["password_hash"])
        assert hashlib.sha256(raw[:4] + str(amqp.password).encode()).digest() == raw[4:]
        database = urlsplit(environment["FORUM_DATABASE_URL"])
        assert database.scheme == "postgresql+asyncpg"
        assert database.hostname == "postgres"
        assert database.path == f"/{name}"
        assert f"CREATE DATABASE {name} OWNER {database.username};" in init_sql
        assert f"CREATE ROLE {database.username} LOGIN PASSWORD '{database.password}';" in init_sql


def test_rabbitmq_loads_the_definitions(compose: dict[str, Any]) -> None:
    mounts = dict(volume.split(":")[:2] for volume in compose["services"]["rabbitmq"]["volumes"])
    conf_target = mounts["./deploy/rabbitmq/rabbitmq.conf"]
    assert conf_target.startswith("/etc/rabbitmq/conf.d/")
    conf = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text()
    settings = dict(
        line.split(" = ", 1) for line in conf.splitlines() if line and not line.startswith("#")
    )
    assert settings["definitions.import_backend"] == "local_filesystem"
    assert mounts["./deploy/rabbitmq/definitions.json"] == settings["definitions.local.path"]
    assert "management" in compose["services"]["rabbitmq"]["image"]
