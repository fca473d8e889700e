"""A PostgreSQL cluster of the fault suite's own, to restart at will.

The shared server at 127.0.0.1:5432 serves other tests and people: it is never touched. This
one is made by `initdb` (from /usr/lib/postgresql/<newest>/bin) in a temporary folder, runs
`postgres` as a child on a free port (as the `postgres` user when the tests run as root,
since PostgreSQL refuses to run as root), and is removed afterwards.

`crash` sends the postmaster SIGQUIT, PostgreSQL's immediate shutdown: every backend is
killed at once with no checkpoint, so the next start replays the WAL, as after a crash.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg

from devstack.services import free_port, parent_death_signal

DATABASE = "civicops"


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class PrivateCluster:
    """initdb in a temp dir; `postgres` as a child process on a free port."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="civicops-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.process: subprocess.Popen | None = None
        if self.user:
            shutil.chown(self.root, self.user, self.user)

    @property
    def dsn(self) -> str:
        """The URL of the CivicOps database in this cluster."""
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def init(self) -> None:
        """Create the cluster: trust auth on loopback only, no fsync (a crash here is a kill)."""
        subprocess.run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
             "--no-sync", "--no-locale", "-E", "UTF8"],
            check=True, capture_output=True, user=self.user, timeout=120,
        )  # fmt: skip

    def spawn(self) -> None:
        """Start `postgres` (it dies with the test run)."""
        argv = [
            str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
            "-k", str(self.root), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, user=self.user,
                start_new_session=True, preexec_fn=parent_death_signal(),
            )  # fmt: skip

    async def ready(self, timeout: float = 60) -> float:
        """Wait until the cluster accepts connections; the moment it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            try:
                conn = await asyncpg.connect(self.dsn.rsplit("/", 1)[0] + "/postgres", timeout=2)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await asyncio.sleep(0.1)
                continue
            await conn.close()
            return time.monotonic()
        raise AssertionError(f"private PostgreSQL did not start:\n{self.log.read_text()}")

    async def start(self) -> None:
        """initdb, start, and create the CivicOps database."""
        await asyncio.to_thread(self.init)
        self.spawn()
        await self.ready()
        conn = await asyncpg.connect(self.dsn.rsplit("/", 1)[0] + "/postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            await conn.close()

    def crash(self) -> None:
        """Immediate shutdown (SIGQUIT): backends killed, no checkpoint; wait until it is gone."""
        assert self.process is not None and self.process.poll() is None
        os.kill(self.process.pid, signal.SIGQUIT)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then remove the cluster's folder."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)
