"""Structural checks of the image and what it keeps: Dockerfile, volumes, signing keys."""

from __future__ import annotations

import re
from typing import Any

from compose_helpers import APP_SERVICES, DOCKERFILE, ROOT, _env
from compose_helpers import compose as compose  # fixtures: pytest looks them up here
from compose_helpers import raw_compose as raw_compose
from compose_helpers import services as services


def _host_path(volume: str | dict[str, Any]) -> str | None:
    """The host side of a bind mount, or None for a named volume."""
    source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":", 1)[0]
    return source if source.startswith((".", "/")) else None


def _dockerfile_stages() -> list[list[str]]:
    """Dockerfile instructions (continuations joined, comments dropped), split per FROM."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    instructions = re.sub(r"\\\n", " ", "\n".join(lines)).splitlines()
    stages: list[list[str]] = [[]]
    for instruction in (line.strip() for line in instructions):
        if not instruction:
            continue
        if instruction.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(instruction)
    return stages[1:]


def test_stateful_services_keep_data_in_named_volumes(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    expected = {"postgresql": "/var/lib/postgresql/data", "minio": "/data"}
    for name, path in expected.items():
        mounts = {
            str(volume).split(":")[1]: str(volume).split(":")[0]
            for volume in compose["services"][name].get("volumes", [])
        }
        assert path in mounts, f"{name} keeps {path} in the container"
        assert mounts[path] in declared, f"{name}: {mounts[path]} is not a named volume"


def test_every_bind_mount_exists_in_the_repo(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for volume in service.get("volumes", []):
            host = _host_path(volume)
            if host is not None:
                assert (ROOT / host).exists(), f"{name} mounts missing {host}"


def test_dockerfile_runs_as_non_root_and_installs_the_project() -> None:
    stages = _dockerfile_stages()
    assert stages, "Dockerfile has no FROM"
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "python:3.11-slim" in text, "the base image should be python:3.11-slim"

    final = stages[-1]
    users = [line.split(None, 1)[1].strip() for line in final if line.upper().startswith("USER ")]
    assert users, "the final stage never switches away from root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"the image runs as {user}"

    installs = [line for stage in stages for line in stage if "pip install" in line]
    assert any(re.search(r"pip install[^&|;]*\s\.(\s|$)", line) for line in installs), (
        "the project is not installed with `pip install .`"
    )
    assert not any(re.search(r"\[[^\]]*\b(dev|embedded)\b", line) for line in installs), (
        "dev or embedded extras are installed into the production image"
    )
    assert final[-1] == 'CMD ["civicops", "server"]'


def test_app_services_do_not_override_the_image_user(services: dict[str, dict[str, Any]]) -> None:
    for name in APP_SERVICES:
        assert str(services[name].get("user", "")).split(":")[0] not in ("root", "0"), name


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (".venv", "var", ".git", ".env", ".pytest_cache", "**/__pycache__"):
        assert required in patterns, f".dockerignore does not exclude {required}"
    for needed in ("pyproject.toml", "README.md", "*.py", "settings.py"):
        assert needed not in patterns, f".dockerignore excludes {needed}, which the build needs"


def test_only_bootstrap_and_worker_hold_the_signing_keys(
    services: dict[str, dict[str, Any]],
) -> None:
    keys_dir = _env(services["worker"])["CIVICOPS_KEYS_DIR"]
    for name in APP_SERVICES:
        targets = {str(v).split(":")[1] for v in services[name].get("volumes", [])}
        holds = keys_dir in targets
        assert holds == (name in ("bootstrap", "worker")), f"{name} keys volume: {holds}"
    assert "civicops-keys" in {str(v).split(":")[0] for v in services["worker"]["volumes"]}


def test_image_installs_the_fonts_notices_are_drawn_with() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "fonts-noto-core" in text
    assert "/var/lib/civicops-keys" in text
