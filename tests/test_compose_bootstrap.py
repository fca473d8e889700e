"""Structural checks of the compose setup jobs and start order: schema, namespace, bootstrap."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from compose_helpers import ROOT, _depends_on, _env, _image_of, _import_from_repo
from compose_helpers import compose as compose  # fixtures: pytest looks them up here
from compose_helpers import raw_compose as raw_compose
from compose_helpers import services as services

ONE_SHOT_JOBS = ("temporal-schema", "temporal-namespace", "minio-setup", "bootstrap")


def _mounted_script(service: dict[str, Any]) -> Path:
    """The repo file a setup job runs: its entrypoint script, mapped back through its mounts."""
    entrypoint = service["entrypoint"]
    script = next(arg for arg in entrypoint if arg.endswith(".sh"))
    for volume in service.get("volumes", []):
        host, target = volume.split(":")[:2]
        if script.startswith(target.rstrip("/") + "/"):
            return (ROOT / host / script[len(target) :].lstrip("/")).resolve()
    raise AssertionError(f"{script} is not inside any of the service's mounts")


def _app_search_attributes() -> dict[str, str]:
    """Search attributes the app defines (name -> KEYWORD/INT/DATETIME)."""
    module = _import_from_repo("workflows.search_attributes")
    return {key.name: key.indexed_value_type.name for key in module.ALL}


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
