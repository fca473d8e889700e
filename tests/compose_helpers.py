"""docker-compose.yml as an operator without a .env file reads it, and helpers to query it."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


COMPOSE_FILE = ROOT / "docker-compose.yml"


DOCKERFILE = ROOT / "Dockerfile"


APP_SERVICES = ("bootstrap", "worker", "api")


_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def _interpolate(value: str) -> str:
    """Resolve compose interpolation as if no variable were set: defaults win, `$$` is `$`."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        operator, default = match.group(2), match.group(3)
        return default if operator in ("-", ":-") else ""

    return _INTERPOLATION.sub(replace, value)


def _resolve(node: Any) -> Any:
    """Interpolate every string in a loaded YAML tree."""
    if isinstance(node, str):
        return _interpolate(node)
    if isinstance(node, list):
        return [_resolve(item) for item in node]
    if isinstance(node, dict):
        return {key: _resolve(value) for key, value in node.items()}
    return node


def _import_from_repo(module: str) -> Any:
    """Import a module of the project from the repo root, whatever pytest put on sys.path."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(module)


@pytest.fixture(scope="module")
def raw_compose() -> dict[str, Any]:
    """docker-compose.yml exactly as written (anchors and merge keys resolved by PyYAML)."""
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "docker-compose.yml is not a mapping"
    return loaded


@pytest.fixture(scope="module")
def compose(raw_compose: dict[str, Any]) -> dict[str, Any]:
    """docker-compose.yml with `${VAR:-default}` resolved to the defaults."""
    return _resolve(raw_compose)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services section."""
    return compose["services"]


def _env(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict, whichever of the two compose forms it uses."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        pairs = (item.split("=", 1) for item in environment)
        return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    """A service's dependencies mapped to their condition (short form means service_started)."""
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return {name: "service_started" for name in depends}
    return {
        name: (spec or {}).get("condition", "service_started") for name, spec in depends.items()
    }


def _image_of(services: dict[str, dict[str, Any]], prefix: str) -> list[str]:
    """Names of the services whose image starts with prefix (registry host ignored)."""
    return [
        name
        for name, service in services.items()
        if _image_name(service.get("image", "")).startswith(prefix)
    ]


def _image_name(image: str) -> str:
    """An image reference without the registry host: quay.io/minio/mc:X -> minio/mc:X."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return rest
    return image
