"""deploy/Dockerfile: multi-stage, non-root, copies only what exists, runs the `forum` CLI."""

from __future__ import annotations

from tests.deploy.conftest import DEPLOY, REPO


def _instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_multi_stage_non_root_image_of_the_workspace() -> None:
    instructions = _instructions()
    stages = [arg for op, arg in instructions if op == "FROM"]
    assert len(stages) >= 2
    final = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    users = [arg for op, arg in final if op == "USER"]
    assert users, "the final stage must switch user"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert users[-1].split(":")[0].isdigit()  # runAsNonRoot can only verify a numeric user
    assert ("ENTRYPOINT", '["forum"]') in final
    for op, arg in instructions:
        if op == "COPY" and not arg.startswith("--from"):
            *sources, _target = arg.split()
            for source in sources:
                assert (REPO / source).exists(), source
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert "**/.venv" in ignored
