"""`make up` keeps the stack running: a killed child comes back; one that keeps dying stops it."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import httpx
import pytest
from helpers import (
    Stack,
    auth,
    in_malleshwaram,
    pothole,
    process_gone,
    up_env,
    wait_for_status,
)

from devstack.services import Service, free_port, port_open
from devstack.supervisor import RestartPolicy, Supervisor

T = TypeVar("T")

# Listens on the port given, says so, and waits to be killed.
LISTENER = (
    "import socket, sys, time\n"
    "s = socket.socket()\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
    "s.listen()\n"
    "print('listening on', sys.argv[1], flush=True)\n"
    "time.sleep(600)\n"
)


def _wait(check: Callable[[], T], timeout: float, what: str) -> T:
    """Poll `check()` until it returns something true, and return that; fail naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def _file(client: httpx.AsyncClient, keys: dict[str, str]) -> str:
    """File a pothole in Malleshwaram; its tracking id."""
    resp = await client.post(
        "/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(keys["citizen-app"])
    )
    assert resp.status_code == 202, resp.text
    return resp.json()["tracking_id"]


def test_a_child_is_restarted_with_doubling_delays_and_a_crash_loop_gives_up(tmp_path):
    now = [0.0]  # the supervisor's clock, moved by hand; the processes are real
    lines: list[str] = []
    supervisor = Supervisor(
        RestartPolicy(first_delay=1, max_delay=4, stable_after=30, max_deaths=5, window=60),
        echo=lines.append,
        clock=lambda: now[0],
    )
    port = free_port()
    log = tmp_path / "flaky.log"
    flaky = Service("flaky", [sys.executable, "-c", LISTENER, str(port)], port, log)
    supervisor.start(flaky)

    def kill_and_restart(expected_delay: int, restart: int) -> None:
        """SIGKILL the child; it is restarted after `expected_delay` seconds, not before."""
        assert flaky.process is not None
        old = flaky.process.pid
        flaky.process.kill()
        flaky.process.wait()
        assert supervisor.check() is None
        assert lines[-1].startswith(
            f"supervise  flaky was killed by SIGKILL; restarting in {expected_delay} s "
            f"(restart {restart})\n"
        )
        assert f"last lines of {log}:\n             listening on {port}" in lines[-1]
        assert supervisor.check() is None and flaky.process.pid == old  # still waiting
        now[0] += expected_delay
        assert supervisor.check() is None
        assert lines[-1] == f"supervise  flaky restarted (pid {flaky.process.pid})"
        assert flaky.process.pid != old and port_open("127.0.0.1", port)

    try:
        for restart, delay in enumerate([1, 2, 4, 4], start=1):  # deaths at 0, 1, 3, 7
            kill_and_restart(delay, restart)
        now[0] += 60  # it ran long enough: the next restart is quick again
        kill_and_restart(1, 5)  # a death at 71; those before 11 are out of the window
        for restart, delay in enumerate([2, 4, 4, 4], start=6):  # deaths at 72, 74, 78, 82
            kill_and_restart(delay, restart)
        flaky.process.kill()  # a sixth death within 60 s, at 86
        flaky.process.wait()
        report = supervisor.check()
        assert report is not None
        assert report.startswith(
            "flaky was killed by SIGKILL; it died 6 times within 60 s, giving up\n"
        )
        assert f"listening on {port}" in report
    finally:
        supervisor.stop()
    assert not flaky.alive


@pytest.mark.timeout(240)
async def test_make_up_restarts_each_killed_child_and_complaints_keep_reaching_notice(tmp_path):
    var_dir = tmp_path / "var"
    stack = Stack(up_env(var_dir), tmp_path / "up.log")
    stack.start()
    children: dict[str, int] = {}
    try:
        keys = json.loads((var_dir / "demo-keys.json").read_text())
        auditor = auth(keys["auditor"])
        async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
            before_kills = await _file(client, keys)
            await wait_for_status(client, before_kills, auditor, "NOTICE_ISSUED", 60)
            for name in ("rclone-s3", "temporal", "worker", "api"):
                children = stack.children()
                assert set(children) == {"rclone-s3", "temporal", "worker", "api"}
                os.kill(children[name], signal.SIGKILL)

                def replaced(name: str = name, old: int = children[name]) -> dict[str, int]:
                    """`up`'s children once `name` runs again (logged) and /health is 200."""
                    now = stack.children()
                    new = now.get(name, old)
                    logged = f"{name} restarted (pid {new})" in stack.output()
                    return now if new != old and logged and stack.healthy() else {}

                after = _wait(replaced, 60, f"{name} to be restarted\n{stack.output()}")
                # Only the killed child is replaced: the worker and the API reconnect to a
                # restarted Temporal server by themselves.
                assert {k: v for k, v in after.items() if k != name} == {
                    k: v for k, v in children.items() if k != name
                }
                output = stack.output()
                assert f"{name} was killed by SIGKILL; restarting in 1 s (restart 1)" in output
                after_kill = await _file(client, keys)
                await wait_for_status(client, after_kill, auditor, "NOTICE_ISSUED", 60)
                await wait_for_status(client, before_kills, auditor, "NOTICE_ISSUED", 10)
        assert "last lines of" in output and "temporal.log" in output
        assert stack.proc is not None and stack.proc.poll() is None

        # `kill -9` of `up` itself: the kernel SIGTERMs its children (PR_SET_PDEATHSIG).
        children = stack.children()
        stack.proc.kill()
        stack.proc.wait()
        _wait(lambda: all(process_gone(pid) for pid in children.values()), 30, "the orphans")
        assert not any(port_open("127.0.0.1", p) for p in stack.ports())
    finally:
        if stack.proc is not None and stack.proc.poll() is None:
            stack.ctrl_c()
        for pid in children.values():  # whatever a failure above left behind
            if not process_gone(pid):
                os.killpg(pid, signal.SIGKILL)


@pytest.mark.timeout(120)
def test_make_up_gives_up_on_a_child_that_cannot_start_and_says_why(tmp_path):
    env = up_env(tmp_path / "var")
    stack = Stack(env, tmp_path / "up.log")
    stack.start("--no-demo")
    assert stack.proc is not None
    children = stack.children()
    api_port = int(env["API_PORT"])
    # Another program takes the API's port the moment the API dies: every restart fails.
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        os.kill(children["api"], signal.SIGKILL)

        def bound() -> bool:
            """True once the squatter holds the API's port."""
            try:
                squatter.bind(("127.0.0.1", api_port))
            except OSError:
                return False
            return True

        _wait(bound, 5, "the API's port")
        squatter.listen()
        try:
            stack.proc.wait(timeout=60)
        finally:
            if stack.proc.poll() is None:
                stack.ctrl_c()
    output = stack.output()
    assert stack.proc.returncode == 1, output
    assert "api was killed by SIGKILL; restarting in 1 s (restart 1)" in output
    assert "api failed to restart: port" in output and "restarting in 2 s (restart 2)" in output
    assert (f"error: api failed to restart: port {api_port} for api is already in use; ") in output
    assert "it failed to start 3 times in a row, giving up" in output
    assert "stopping the rest" in output
    _wait(lambda: all(process_gone(pid) for pid in children.values()), 30, "the children")
    assert not any(port_open("127.0.0.1", p) for p in stack.ports() if p != api_port)
