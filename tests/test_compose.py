"""Structural checks of the production deployment: docker-compose.yml, Dockerfile, deploy/.

Nothing here needs Docker. The compose file is read with yaml.safe_load and `${VAR:-default}`
is resolved to its default, which is what an operator without a .env file gets.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

APP_SERVICES = ("bootstrap", "worker", "api")
ONE_SHOT_JOBS = ("temporal-schema", "temporal-namespace", "minio-setup", "bootstrap")

_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


# ---------------------------------------------------------------- helpers


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


def _host_path(volume: str | dict[str, Any]) -> str | None:
    """The host side of a bind mount, or None for a named volume."""
    source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":", 1)[0]
    return source if source.startswith((".", "/")) else None


def _mounted_script(service: dict[str, Any]) -> Path:
    """The repo file a setup job runs: its entrypoint script, mapped back through its mounts."""
    entrypoint = service["entrypoint"]
    script = next(arg for arg in entrypoint if arg.endswith(".sh"))
    for volume in service.get("volumes", []):
        host, target = volume.split(":")[:2]
        if script.startswith(target.rstrip("/") + "/"):
            return (ROOT / host / script[len(target) :].lstrip("/")).resolve()
    raise AssertionError(f"{script} is not inside any of the service's mounts")


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


def _app_search_attributes() -> dict[str, str]:
    """Search attributes the app defines (name -> KEYWORD/INT/DATETIME)."""
    module = _import_from_repo("workflows.search_attributes")
    return {key.name: key.indexed_value_type.name for key in module.ALL}


# ---------------------------------------------------------------- the compose file


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


def test_search_attributes_registered_match_the_app(services: dict[str, dict[str, Any]]) -> None:
    jobs = [
        name
        for name in _image_of(services, "temporalio/admin-tools:")
        if "CIVICOPS_SEARCH_ATTRIBUTES" in _env(services[name])
    ]
    assert len(jobs) == 1, f"expected one search-attribute setup job, found {jobs}"
    job = services[jobs[0]]
    pairs = [pair.split("=", 1) for pair in _env(job)["CIVICOPS_SEARCH_ATTRIBUTES"].split()]
    registered = {name: kind.upper() for name, kind in pairs}
    assert len(registered) == len(pairs), "a search attribute is listed twice"
    assert registered == _app_search_attributes()

    script = _mounted_script(job).read_text(encoding="utf-8")
    assert "temporal operator search-attribute create" in script
    assert "CIVICOPS_SEARCH_ATTRIBUTES" in script


def test_namespace_setup_creates_the_namespace_the_app_uses(
    services: dict[str, dict[str, Any]],
) -> None:
    job = services["temporal-namespace"]
    assert _env(job)["TEMPORAL_NAMESPACE"] == _env(services["api"])["TEMPORAL_NAMESPACE"]
    host = _env(job)["TEMPORAL_ADDRESS"].rpartition(":")[0]
    assert _depends_on(job).get(host) == "service_healthy"
    assert "temporal operator namespace create" in _mounted_script(job).read_text(encoding="utf-8")


def test_temporal_schema_is_set_up_before_the_server_starts(
    services: dict[str, dict[str, Any]],
) -> None:
    (server_name,) = _image_of(services, "temporalio/server:")
    server = services[server_name]
    schema_jobs = [
        name
        for name, condition in _depends_on(server).items()
        if condition == "service_completed_successfully"
        and name in _image_of(services, "temporalio/admin-tools:")
    ]
    assert schema_jobs, "temporal does not wait for an admin-tools schema job"
    script = _mounted_script(services[schema_jobs[0]]).read_text(encoding="utf-8")
    assert "temporal-sql-tool" in script
    assert "setup-schema" in script and "update-schema" in script

    server_env = _env(server)
    assert server_env["DB"] == "postgres12"
    assert server_env["POSTGRES_SEEDS"] in _image_of(services, "postgres:")
    schema_env = _env(services[schema_jobs[0]])
    assert schema_env["POSTGRES_SEEDS"] == server_env["POSTGRES_SEEDS"]
    assert schema_env["POSTGRES_USER"] == server_env["POSTGRES_USER"]
    assert schema_env["SQL_PASSWORD"] == server_env["POSTGRES_PWD"]


def test_temporal_reads_the_dynamic_config_shipped_in_deploy(
    services: dict[str, dict[str, Any]],
) -> None:
    (server_name,) = _image_of(services, "temporalio/server:")
    server = services[server_name]
    path = _env(server)["DYNAMIC_CONFIG_FILE_PATH"]
    for volume in server.get("volumes", []):
        host, target = volume.split(":")[:2]
        if path.startswith(target.rstrip("/") + "/"):
            shipped = ROOT / host / path[len(target) :].lstrip("/")
            break
    else:
        raise AssertionError(f"{path} is not inside a mount of the temporal service")
    config = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    assert isinstance(config, dict) and config, f"{shipped} is empty"
    assert "system.forceSearchAttributesCacheRefreshOnRead" not in config, "dev-only setting"


def test_postgres_creates_the_roles_and_databases_the_services_use(
    services: dict[str, dict[str, Any]],
) -> None:
    (postgres_name,) = _image_of(services, "postgres:")
    init_dirs = [
        ROOT / volume.split(":")[0]
        for volume in services[postgres_name]["volumes"]
        if volume.split(":")[1] == "/docker-entrypoint-initdb.d"
    ]
    assert init_dirs, "no init scripts mounted into postgres"
    init_sql = "\n".join(path.read_text(encoding="utf-8") for path in init_dirs[0].iterdir())

    database = urlparse(_env(services["api"])["DATABASE_URL"])
    temporal = _env(services["temporal"])
    roles = {database.username, temporal["POSTGRES_USER"]}
    databases = {database.path.lstrip("/"), temporal["DBNAME"], temporal["VISIBILITY_DBNAME"]}
    for role in roles:
        assert re.search(rf"CREATE ROLE {role}\b", init_sql), f"no role {role} created"
    for name in databases:
        assert re.search(rf"CREATE DATABASE {name}\b", init_sql), f"no database {name} created"


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


def test_worker_and_api_start_after_bootstrap_and_temporal(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in ("worker", "api"):
        depends = _depends_on(services[name])
        assert depends.get("bootstrap") == "service_completed_successfully", name
        assert depends.get("temporal") in ("service_healthy", "service_started"), name
    bootstrap = _depends_on(services["bootstrap"])
    assert bootstrap.get("postgresql") == "service_healthy"
    assert bootstrap.get("temporal-namespace") == "service_completed_successfully"
    assert bootstrap.get("minio-setup") == "service_completed_successfully"
    assert _depends_on(services["minio-setup"]).get("minio") == "service_healthy"


def test_dependency_conditions_can_be_met(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for dependency, condition in _depends_on(service).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            target = services[dependency]
            if condition == "service_healthy":
                assert target.get("healthcheck"), f"{name} waits for {dependency}'s healthcheck"
            if condition == "service_completed_successfully":
                assert dependency in ONE_SHOT_JOBS, f"{dependency} is not a one-shot job"


def test_one_shot_jobs_do_not_restart_forever(services: dict[str, dict[str, Any]]) -> None:
    for name in ONE_SHOT_JOBS:
        restart = str(services[name].get("restart", "no"))
        assert restart == "no" or restart.startswith("on-failure"), f"{name}: restart {restart}"
    for name in ("postgresql", "temporal", "minio", "worker", "api"):
        assert services[name].get("restart") in ("unless-stopped", "always"), name


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


# ---------------------------------------------------------------- the image


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
