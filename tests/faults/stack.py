"""The embedded stack of `make up`, as separate processes a fault test kills and restarts.

`civicops up` restarts a dead child itself, with backoff (devstack/supervisor.py): that would
decide for the test when a killed worker comes back, and hide how long it was gone. So each
service here is a `Child` spawned from the argv devstack builds (`rclone_s3`,
`temporal_dev_server`, `civicops server`, `civicops worker`), with an environment written out
in full (no DATABASE_URL leaks in from the test run), killed with SIGKILL and spawned again on
the same port, SQLite file or folder when the test says. Spawning never blocks the event loop
(readiness is awaited), so the burst of filings and the progress watch keep running meanwhile.

One `Infra` (rclone S3 and the Temporal dev server persisted to SQLite) serves one or more
`App`s (an API and a worker on a database: the embedded SQLite file, or a PostgreSQL cluster).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import CIVICOPS, REPO

from devstack.services import (
    free_port,
    parent_death_signal,
    rclone_s3,
    stop_group,
    temporal_dev_server,
)
from faults.rows import PostgresRows, Rows, SqliteRows
from settings import Settings

# Variables of the test run that must not reach the stack: it picks its own of each.
_FOREIGN = ("DATABASE_URL", "TEMPORAL_ADDRESS", "S3_ENDPOINT_URL", "TEMPORAL_TASK_QUEUE",
            "CIVICOPS_KEYS_DIR", "CIVICOPS_PUBLIC_URL", "API_PORT")  # fmt: skip


class ChildDied(AssertionError):
    """A service exited while the test waited for it to be ready."""


@dataclass
class Child:
    """One service process: spawned, SIGKILLed and spawned again on the same port and files."""

    name: str
    argv: list[str]
    env: dict[str, str]  # the complete environment, not added to the test run's
    log: Path
    port: int | None = None
    ready_line: str | None = None  # for a service without a port: the log line meaning "ready"
    process: subprocess.Popen | None = field(default=None, repr=False)
    _log_offset: int = 0

    def spawn(self) -> float:
        """Start the process in its own session (SIGTERMed if the test run dies); its start time."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=parent_death_signal(),
            )  # fmt: skip
        return time.monotonic()

    @property
    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None

    async def ready(self, timeout: float = 90.0) -> float:
        """Wait until the port answers (or the ready line is logged); the moment it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise ChildDied(f"{self.name} exited; last output:\n{self.tail()}")
            if self.port is not None:
                if await _port_open(self.port):
                    return time.monotonic()
            elif self.ready_line is not None and self.ready_line in self._new_output():
                return time.monotonic()
            await asyncio.sleep(0.1)
        raise ChildDied(f"{self.name} not ready after {timeout:g} s; last output:\n{self.tail()}")

    def kill9(self) -> None:
        """`kill -9` the process (and anything left in its process group)."""
        assert self.process is not None and self.alive, f"{self.name} is not running"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the process group, then SIGKILL what is left."""
        stop_group(self.process, timeout)

    def _new_output(self) -> str:
        """What the process logged since its last spawn."""
        with self.log.open("rb") as fh:
            fh.seek(self._log_offset)
            return fh.read().decode(errors="replace")

    def tail(self, lines: int = 30) -> str:
        """The last lines of the log since the last spawn."""
        return "\n".join(self._new_output().splitlines()[-lines:])


async def _port_open(port: int) -> bool:
    """True if 127.0.0.1:port accepts a TCP connection now."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1.0)
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


def _ports(count: int) -> list[int]:
    """`count` distinct free ports."""
    ports: list[int] = []
    while len(ports) < count:
        if (port := free_port()) not in ports:
            ports.append(port)
    return ports


def base_env(var_dir: Path) -> dict[str, str]:
    """The test run's environment without its database, servers and var dir; then var_dir."""
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN}
    env.update(CIVICOPS_VAR_DIR=str(var_dir), LOG_LEVEL="WARNING")
    return env


@dataclass
class Infra:
    """rclone S3 over a folder and the Temporal dev server persisted to a SQLite file."""

    var_dir: Path
    s3: Child
    temporal: Child
    temporal_port: int
    s3_port: int
    namespace: str = "default"

    @classmethod
    def create(cls, var_dir: Path) -> Infra:
        """The two services' argv from devstack, on free ports, under var_dir."""
        temporal_port, ui_port, s3_port = _ports(3)
        settings = dataclasses.replace(
            Settings.from_env(), var_dir=var_dir, temporal_port=temporal_port,
            temporal_ui_port=ui_port, s3_port=s3_port,
        )  # fmt: skip
        env = base_env(var_dir)
        s3 = rclone_s3(settings, root=var_dir / "s3", port=s3_port)
        temporal = temporal_dev_server(settings, db_file=var_dir / "temporal" / "temporal.db")
        return cls(
            var_dir,
            Child(
                "rclone-s3", s3.argv, {**env, **s3.env}, var_dir / "logs" / "rclone.log", s3_port
            ),
            Child("temporal", temporal.argv, env, var_dir / "logs" / "temporal.log", temporal_port),
            temporal_port,
            s3_port,
            settings.temporal_namespace,
        )

    @property
    def temporal_address(self) -> str:
        """host:port of the Temporal frontend."""
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def s3_url(self) -> str:
        """The S3 endpoint."""
        return f"http://127.0.0.1:{self.s3_port}"

    async def start(self) -> None:
        """Start both and wait until they answer."""
        self.s3.spawn()
        self.temporal.spawn()
        await asyncio.gather(self.s3.ready(), self.temporal.ready())

    def stop(self) -> None:
        """Stop both."""
        self.temporal.stop()
        self.s3.stop()

    def s3_client(self) -> Any:
        """A boto3 client for the stack's S3, with the devstack credentials."""
        from storage import s3

        settings = dataclasses.replace(Settings.from_env(), s3_endpoint_url=self.s3_url)
        return s3.client(settings)


@dataclass
class App:
    """The API and the worker as `civicops server` and `civicops worker`, on one database."""

    name: str
    var_dir: Path
    env: dict[str, str]
    api: Child
    worker: Child
    url: str
    rows: Rows
    bucket: str = "civicops"
    citizen_key: str = ""

    @classmethod
    def create(
        cls, name: str, infra: Infra, var_dir: Path, *, database_url: str | None = None
    ) -> App:
        """An API and a worker on infra's servers; SQLite under var_dir unless database_url."""
        (api_port,) = _ports(1)
        url = f"http://127.0.0.1:{api_port}"
        env = base_env(var_dir)
        env.update(
            TEMPORAL_PORT=str(infra.temporal_port), S3_PORT=str(infra.s3_port),
            TEMPORAL_TASK_QUEUE=f"civicops-{name}", API_PORT=str(api_port),
            CIVICOPS_PUBLIC_URL=url,
        )  # fmt: skip
        if database_url is not None:
            env["DATABASE_URL"] = database_url
            rows: Rows = PostgresRows(database_url)
        else:
            rows = SqliteRows(var_dir / "civicops.sqlite")
        logs = var_dir / "logs"
        api = Child("api", [*CIVICOPS, "server"], env, logs / "api.log", api_port)
        worker = Child(
            "worker", [*CIVICOPS, "worker"], {**env, "LOG_LEVEL": "INFO"}, logs / "worker.log",
            ready_line="worker polling",
        )  # fmt: skip
        return cls(name, var_dir, env, api, worker, url, rows)

    async def start(self) -> None:
        """`civicops bootstrap` (migrations, demo city, demo keys), then the API and the worker."""
        var = self.var_dir
        var.mkdir(mode=0o700, parents=True, exist_ok=True)
        done = await asyncio.to_thread(
            subprocess.run, [*CIVICOPS, "bootstrap"], cwd=REPO, env=self.env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"bootstrap failed:\n{done.stdout}\n{done.stderr}"
        self.citizen_key = json.loads((var / "demo-keys.json").read_text())["citizen-app"]
        self.api.spawn()
        self.worker.spawn()
        await asyncio.gather(self.api.ready(), self.worker.ready())
        await self.rows.open()

    async def stop(self) -> None:
        """Stop the API and the worker, and close the row reader."""
        self.api.stop()
        self.worker.stop()
        await self.rows.close()
