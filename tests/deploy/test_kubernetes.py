"""deploy/k8s: the kustomize base and the example overlay render, every built-in object is
valid for Kubernetes 1.30 (strict: unknown fields fail), KEDA objects match our schema, and
the manifests agree with the code (ports, probes, settings, queues, grace periods)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml
from forum_cli.main import SERVICES
from forum_shared.messaging.rabbit import node_urls
from forum_shared.messaging.topology import CONSUMER_QUEUES
from forum_shared.settings import ForumSettings

from tests.deploy.conftest import DEPLOY

K8S = DEPLOY / "k8s"
BASE = K8S / "base"
OVERLAY = K8S / "overlays" / "example"
KUBERNETES_VERSION = "1.30"
KEDA_SCHEMA = json.loads((K8S / "schemas" / "keda.schema.json").read_text())
HTTP_SERVICES = ("registration", "schedule")
Doc = dict[str, Any]


def _kustomize_command() -> list[str] | None:
    if kustomize := shutil.which("kustomize"):
        return [kustomize, "build"]
    if kubectl := shutil.which("kubectl"):
        return [kubectl, "kustomize"]
    return None


def _assemble(directory: Path) -> list[Doc]:
    """Without a kustomize binary: the documents a kustomization lists, its namespace set.
    Patches and images are not applied (the overlay test checks their targets exist)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    docs: list[Doc] = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            docs += _assemble(path)
        else:
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    namespace = kustomization.get("namespace")
    for doc in docs:
        if namespace and doc["kind"] != "Namespace":
            doc["metadata"]["namespace"] = namespace
        elif namespace:
            doc["metadata"]["name"] = namespace
    return docs


def _render(directory: Path) -> list[Doc]:
    command = _kustomize_command()
    if command is None:
        return _assemble(directory)
    result = subprocess.run(
        [*command, str(directory)], capture_output=True, text=True, timeout=60, check=True
    )
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.fixture(scope="module")
def base() -> list[Doc]:
    return _render(BASE)


@pytest.fixture(scope="module")
def overlay() -> list[Doc]:
    return _render(OVERLAY)


def _one(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def _validate(doc: Doc) -> None:
    if doc["apiVersion"].startswith("keda.sh/"):
        jsonschema.validate(doc, KEDA_SCHEMA)
    else:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("which", ["base", "overlay", "base-assembled"])
def test_every_object_is_valid(which: str, base: list[Doc], overlay: list[Doc]) -> None:
    docs = {"base": base, "overlay": overlay, "base-assembled": _assemble(BASE)}[which]
    kinds = {d["kind"] for d in docs}
    assert kinds == {
        "Namespace",
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ScaledObject",
        "TriggerAuthentication",
    }
    for doc in docs:
        _validate(doc)


def test_the_validators_reject_mistakes(base: list[Doc]) -> None:
    deployment = json.loads(json.dumps(_one(base, "Deployment", "registration")))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(deployment)
    scaled = json.loads(json.dumps(_one(base, "ScaledObject", "notifications")))
    del scaled["spec"]["triggers"][0]["metadata"]["queueName"]
    with pytest.raises(jsonschema.ValidationError):
        _validate(scaled)
    scaled["spec"]["triggers"] = []
    with pytest.raises(jsonschema.ValidationError):
        _validate(scaled)


def _config(docs: list[Doc]) -> dict[str, str]:
    return dict(_one(docs, "ConfigMap", "forum-config")["data"])


def test_deployments_run_each_service_as_the_code_expects(base: list[Doc]) -> None:
    graceful = float(_config(base)["FORUM_GRACEFUL_TIMEOUT_S"])
    assert graceful >= ForumSettings.model_fields["graceful_timeout_s"].default
    for name, (_module, port) in SERVICES.items():
        deployment = _one(base, "Deployment", name)
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["args"] == ["run", name, "--port", str(port)]
        assert {"name": "http", "containerPort": port, "protocol": "TCP"} in container["ports"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {
            "path": "/health/ready",
            "port": "http",
        }
        pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
        assert pre_stop[0] == "sleep"
        assert pod["terminationGracePeriodSeconds"] > graceful + int(pre_stop[1])
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"])
        assert "memory" in resources["limits"]
        assert "replicas" not in deployment["spec"]  # the HPA / KEDA owns it
        assert deployment["spec"]["selector"]["matchLabels"].items() <= (
            deployment["spec"]["template"]["metadata"]["labels"].items()
        )


def test_environment_comes_from_objects_that_exist_and_names_real_settings(
    base: list[Doc],
) -> None:
    fields = ForumSettings.model_fields
    config_maps = {d["metadata"]["name"]: d for d in base if d["kind"] == "ConfigMap"}
    secrets = {d["metadata"]["name"]: d for d in base if d["kind"] == "Secret"}
    first_nodes: set[str | None] = set()
    for name in SERVICES:
        (container,) = _one(base, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        keys: set[str] = set()
        for source in container["envFrom"]:
            if "configMapRef" in source:
                keys |= set(config_maps[source["configMapRef"]["name"]]["data"])
            else:
                keys |= set(secrets[source["secretRef"]["name"]]["stringData"])
        for key in keys:
            assert key.startswith("FORUM_") and key.removeprefix("FORUM_").lower() in fields, key
        assert {"FORUM_AMQP_URL", "FORUM_DATABASE_URL", "FORUM_SECRET_KEY"} <= keys
        nodes = node_urls(secrets[f"forum-{name}"]["stringData"]["FORUM_AMQP_URL"])
        assert len(nodes) == 3  # every node of the cluster, so a lost node is survivable
        for amqp in map(urlsplit, nodes):
            assert amqp.username == f"forum-{name}"  # its own least-privilege broker user
        first_nodes.add(urlsplit(nodes[0]).hostname)
        assert urlsplit(secrets[f"forum-{name}"]["stringData"]["FORUM_DATABASE_URL"]).path == (
            f"/{name}"
        )
    # Each service starts on a different node, so the connections spread over the cluster.
    assert len(first_nodes) == len(SERVICES)


def test_http_services_have_a_service_and_a_cpu_autoscaler(base: list[Doc]) -> None:
    for name in HTTP_SERVICES:
        labels = _one(base, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        service = _one(base, "Service", name)
        assert service["spec"]["selector"].items() <= labels.items()
        assert service["spec"]["ports"][0]["targetPort"] == "http"
        hpa = _one(base, "HorizontalPodAutoscaler", name)
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


def test_notification_workers_scale_on_their_queues_with_keda(base: list[Doc]) -> None:
    scaled = _one(base, "ScaledObject", "notifications")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "notifications"
    _one(base, "Deployment", "notifications")
    triggers = scaled["spec"]["triggers"]
    rabbit = [t for t in triggers if t["type"] == "rabbitmq"]
    queues = {t["metadata"]["queueName"] for t in rabbit}
    assert queues == {q.name for q in CONSUMER_QUEUES if q.name.startswith("notifications.")}
    assert {t["metadata"]["mode"] for t in rabbit} == {"QueueLength"}
    assert scaled["spec"]["minReplicaCount"] >= 1
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    users = {u["name"] for u in definitions["users"]}
    init_sql = (DEPLOY / "postgres" / "init.sql").read_text()
    (backlog,) = [t for t in triggers if t["type"] == "postgresql"]
    assert backlog["metadata"]["query"] == "SELECT forum_due_emails()"
    for trigger in triggers:
        auth = _one(base, "TriggerAuthentication", trigger["authenticationRef"]["name"])
        for ref in auth["spec"]["secretTargetRef"]:
            url = urlsplit(_one(base, "Secret", ref["name"])["stringData"][ref["key"]])
            if trigger["type"] == "rabbitmq":
                assert (ref["parameter"], url.scheme) == ("host", "amqp")
                assert url.username in users
            else:
                assert (ref["parameter"], url.scheme) == ("connection", "postgresql")
                assert url.path == "/notifications"
                assert f"CREATE ROLE {url.username} LOGIN PASSWORD '{url.password}';" in init_sql
                assert f"TO {url.username};" in init_sql
    assert not any(
        d["kind"] == "HorizontalPodAutoscaler" and d["metadata"]["name"] == "notifications"
        for d in base
    )  # KEDA makes its own HPA; two would fight


def test_every_deployment_has_a_disruption_budget(base: list[Doc]) -> None:
    for name in SERVICES:
        labels = _one(base, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        budget = _one(base, "PodDisruptionBudget", name)
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert ("minAvailable" in budget["spec"]) != ("maxUnavailable" in budget["spec"])


def test_the_example_overlay_changes_namespace_image_and_limits(
    base: list[Doc], overlay: list[Doc]
) -> None:
    kustomization = yaml.safe_load((OVERLAY / "kustomization.yaml").read_text())
    # Every patch names an object the base has (holds with or without a kustomize binary).
    base_names = {(d["kind"], d["metadata"]["name"]) for d in base}
    for patch in kustomization["patches"]:
        if "path" in patch:
            for doc in yaml.safe_load_all((OVERLAY / patch["path"]).read_text()):
                assert (doc["kind"], doc["metadata"]["name"]) in base_names
        else:
            assert (patch["target"]["kind"], patch["target"]["name"]) in base_names
    images = {i["name"] for i in kustomization["images"]}
    for name in SERVICES:
        (container,) = _one(base, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        assert container["image"].split(":")[0] in images
    if _kustomize_command() is None:
        pytest.skip("no kustomize or kubectl: the rendered overlay cannot be compared")
    namespace = kustomization["namespace"]
    assert namespace != _one(base, "Namespace", "forum")["metadata"]["name"]
    _one(overlay, "Namespace", namespace)
    assert all(
        d["metadata"].get("namespace") == namespace for d in overlay if d["kind"] != "Namespace"
    )
    image = f"{kustomization['images'][0]['newName']}:{kustomization['images'][0]['newTag']}"
    for name in SERVICES:
        (container,) = _one(overlay, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        assert container["image"] == image
        assert container["args"][:2] == ["run", name]  # the patch merged, did not replace
    assert (
        _one(overlay, "HorizontalPodAutoscaler", "registration")["spec"]["maxReplicas"]
        > _one(base, "HorizontalPodAutoscaler", "registration")["spec"]["maxReplicas"]
    )
    scaled = _one(overlay, "ScaledObject", "notifications")["spec"]
    assert (
        scaled["maxReplicaCount"]
        > _one(base, "ScaledObject", "notifications")["spec"]["maxReplicaCount"]
    )
    # the merge patch kept the triggers
    assert scaled["triggers"] == _one(base, "ScaledObject", "notifications")["spec"]["triggers"]
    assert re.match(r"^https://", _config(overlay)["FORUM_PUBLIC_URL"])
