"""Structural checks of docker-compose.yml's services: images, app environment, ports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from compose_helpers import (
    APP_SERVICES,
    DOCKERFILE,
    ROOT,
    _env,
    _image_name,
    _image_of,
    _import_from_repo,
)
from compose_helpers import compose as compose  # fixtures: pytest looks them up here
from compose_helpers import raw_compose as raw_compose
from compose_helpers import services as services


def _container_ports(service: dict[str, Any]) -> set[int]:
    """Ports the service listens on for other containers: `expose` plus the targets of `ports`."""
    found = {int(str(port).split("/")[0]) for port in service.get("expose", [])}
    for port in service.get("ports", []):
        if isinstance(port, dict):
            found.add(int(port["target"]))
        else:
            found.add(int(str(port).split("/")[0].rsplit(":", 1)[-1]))
    return found


def _published_ports(service: dict[str, Any]) -> dict[int, str]:
    """Container port -> host side ("8000", "127.0.0.1:8080") for every published port."""
    published: dict[int, str] = {}
    for port in service.get("ports", []):
        if isinstance(port, dict):
            host = f"{port.get('host_ip', '')}:{port.get('published', '')}".lstrip(":")
            published[int(port["target"])] = host
        else:
            spec = str(port).split("/")[0]
            if ":" in spec:
                host, target = spec.rsplit(":", 1)
                published[int(target)] = host
    return published


def test_compose_file_has_services_and_no_obsolete_version_key(raw_compose: dict[str, Any]) -> None:
    assert "version" not in raw_compose, "the top-level `version:` key is obsolete in Compose v2"
    assert raw_compose.get("services"), "no services defined"


def test_every_service_has_an_image_or_build(services: dict[str, dict[str, Any]]) -> None:
    missing = [name for name, service in services.items() if not {"image", "build"} & set(service)]
    assert not missing, f"services with neither image nor build: {missing}"


def test_compose_uses_no_deprecated_temporal_image(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = service.get("image", "")
        assert "temporalio/auto-setup" not in image, f"{name} uses the deprecated auto-setup image"
        if "build" in service:
            continue  # the tag names the image compose builds, not one it pulls
        repository, _, tag = _image_name(image).partition("@")[0].rpartition(":")
        assert repository and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag.lower() != "latest", f"{name}: image {image!r} is not pinned"
    assert _image_of(services, "temporalio/server:"), "no temporalio/server service"
    assert _image_of(services, "temporalio/admin-tools:"), "no temporalio/admin-tools setup job"


def test_temporal_admin_tools_match_the_server_version(
    services: dict[str, dict[str, Any]],
) -> None:
    # The schema job upgrades the databases to the admin-tools version's schema, so it must
    # be the server's version.
    tags = {
        services[name]["image"].rsplit(":", 1)[1]
        for name in _image_of(services, "temporalio/server:")
        + _image_of(services, "temporalio/admin-tools:")
    }
    assert len(tags) == 1, f"temporalio/server and admin-tools tags differ: {sorted(tags)}"


def test_app_services_build_from_the_dockerfile(services: dict[str, dict[str, Any]]) -> None:
    for name in APP_SERVICES:
        build = services[name].get("build")
        assert build, f"{name} is not built from the Dockerfile"
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = (
            "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        )
        assert (ROOT / context / dockerfile).resolve() == DOCKERFILE
    commands = {name: services[name].get("command") for name in APP_SERVICES}
    assert commands == {
        "bootstrap": ["civicops", "bootstrap", "--no-demo"],
        "worker": ["civicops", "worker"],
        "api": ["civicops", "server"],
    }


def test_app_services_share_one_environment(raw_compose: dict[str, Any]) -> None:
    environments = [raw_compose["services"][name]["environment"] for name in APP_SERVICES]
    assert all(env == environments[0] for env in environments), "app environments drifted apart"
    assert any(
        key.startswith("x-") and value == environments[0] for key, value in raw_compose.items()
    ), "the shared app environment should live in an x- extension (YAML anchor)"


def test_app_services_point_at_compose_backends(services: dict[str, dict[str, Any]]) -> None:
    postgres_services = _image_of(services, "postgres:")
    temporal_services = _image_of(services, "temporalio/server:")
    minio_services = _image_of(services, "minio/minio:")
    for name in APP_SERVICES:
        env = _env(services[name])

        database = urlparse(env["DATABASE_URL"])
        assert database.scheme in ("postgres", "postgresql"), f"{name}: DATABASE_URL not postgres"
        assert database.hostname in postgres_services, f"{name}: DATABASE_URL host unknown"
        assert (database.port or 5432) in _container_ports(services[database.hostname])
        postgres_env = _env(services[database.hostname])
        assert database.password == postgres_env["CIVICOPS_DB_PASSWORD"], (
            f"{name}: DATABASE_URL password differs from the one postgres creates the role with"
        )

        host, _, port = env["TEMPORAL_ADDRESS"].rpartition(":")
        assert host in temporal_services, (
            f"{name}: TEMPORAL_ADDRESS host is not the temporal service"
        )
        temporal = services[host]
        assert int(port) == int(_env(temporal).get("FRONTEND_GRPC_PORT", "7233"))
        assert int(port) in _container_ports(temporal), f"temporal does not expose {port}"

        s3 = urlparse(env["S3_ENDPOINT_URL"])
        assert s3.hostname in minio_services, f"{name}: S3_ENDPOINT_URL host is not minio"
        assert (s3.port or 80) in _container_ports(services[s3.hostname])
        minio_env = _env(services[s3.hostname])
        assert minio_env["MINIO_ROOT_USER"] == env["S3_ACCESS_KEY_ID"]
        assert minio_env["MINIO_ROOT_PASSWORD"] == env["S3_SECRET_ACCESS_KEY"]

        assert env["API_HOST"] == "0.0.0.0", f"{name}: API_HOST must listen on all interfaces"


def test_app_env_names_are_ones_the_app_reads(services: dict[str, dict[str, Any]]) -> None:
    settings = _import_from_repo("settings")
    assert callable(settings.Settings.from_env)
    source = Path(settings.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r"\b_(?:env|opt)\(\s*[\"']([A-Z0-9_]+)[\"']", source))
    assert {"DATABASE_URL", "TEMPORAL_ADDRESS", "S3_ENDPOINT_URL"} <= read, "settings.py parse"
    for name in APP_SERVICES:
        unknown = sorted(set(_env(services[name])) - read)
        assert not unknown, f"{name} sets variables settings.py never reads: {unknown}"


def test_settings_accept_the_compose_environment(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _import_from_repo("settings")
    env = _env(services["api"])
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    loaded = settings.Settings.from_env()
    assert loaded.effective_database_url == env["DATABASE_URL"]
    assert loaded.effective_temporal_address == env["TEMPORAL_ADDRESS"]
    assert loaded.effective_s3_endpoint_url == env["S3_ENDPOINT_URL"]
    assert (loaded.api_host, loaded.api_port) == ("0.0.0.0", 8000)
    assert loaded.var_dir == Path(env["CIVICOPS_VAR_DIR"])


def test_api_port_published_and_healthchecked(services: dict[str, dict[str, Any]]) -> None:
    api = services["api"]
    port = int(_env(api)["API_PORT"])
    assert port in _published_ports(api), f"the API's port {port} is not published"
    healthcheck = api.get("healthcheck", {})
    test = " ".join(healthcheck.get("test", []))
    assert f":{port}/health" in test, "the API healthcheck does not call /health"
    assert not healthcheck.get("disable", False)


def test_admin_consoles_are_published_on_loopback_only(services: dict[str, dict[str, Any]]) -> None:
    # The Temporal UI and MinIO console have no CivicOps login in front of them.
    for name in ("temporal-ui", "minio"):
        for target, host in _published_ports(services[name]).items():
            assert host.startswith("127.0.0.1:"), f"{name} port {target} is published publicly"
    assert 8080 in _published_ports(services["temporal-ui"]), "Temporal UI not on port 8080"
