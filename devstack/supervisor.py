"""Keep `civicops up`'s children running: restart the dead with backoff, give up on a crash loop.

A `Supervisor` owns the services `up` started (rclone S3, the Temporal dev server, the worker,
the API) and polls them. A child that dies is restarted with the same argv (so on its same
port, SQLite file or folder) after a delay that doubles with each death (1 s, 2 s, 4 s …,
capped); a child that ran for `stable_after` seconds starts over at the first delay. Each death
is reported: which child, how it ended, and the last lines of its log file when it has one.

The supervisor gives up, so that a broken installation does not loop silently for ever, when a
child dies more than `max_deaths` times within `window` seconds or fails `max_failed_starts`
restarts in a row (it exits at once, or never opens its port). `run` then returns a report
naming the child and why; the caller stops the others and exits non-zero.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from devstack.services import Service, ServiceError, describe_exit


@dataclass(frozen=True)
class RestartPolicy:
    """How soon to restart a dead child, and when to stop trying."""

    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 30.0  # a child that ran this long restarts after first_delay again
    max_deaths: int = 5  # more deaths than this within `window` seconds: give up
    window: float = 60.0
    max_failed_starts: int = 3  # this many restarts in a row that fail during start-up: give up
    log_lines: int = 8  # lines of a child's log shown when it dies

    def delay(self, streak: int) -> float:
        """Seconds to wait before restarting a child that died `streak` times since stable."""
        return min(self.first_delay * 2**streak, self.max_delay)


@dataclass
class _Child:
    """One supervised service and its history of deaths."""

    service: Service
    started_at: float
    log_offset: int = 0  # size of its log file when this run started: the tail shows this run
    deaths: deque[float] = field(default_factory=deque)
    streak: int = 0  # deaths since it last ran for `stable_after` seconds
    failed_starts: int = 0
    restarts: int = 0
    restart_at: float | None = None  # set while the child waits out its backoff


class Supervisor:
    """Starts services, restarts the ones that die, and gives up with a report on a crash loop."""

    def __init__(
        self,
        policy: RestartPolicy | None = None,
        *,
        echo: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy or RestartPolicy()
        self._echo = echo
        self._clock = clock
        self._children: list[_Child] = []

    @property
    def services(self) -> list[Service]:
        """The supervised services, in the order they were started."""
        return [child.service for child in self._children]

    def start(self, service: Service) -> Service:
        """Start a service (ServiceError if it cannot) and supervise it from now on."""
        service.die_with_parent = True  # a `kill -9` of this process takes the children along
        offset = _log_size(service)
        service.start()
        self._children.append(_Child(service, started_at=self._clock(), log_offset=offset))
        return service

    def run(self, interval: float = 0.25) -> str:
        """Supervise until a child keeps dying; return why (the caller then stops the rest)."""
        while True:
            report = self.check()
            if report is not None:
                return report
            time.sleep(interval)

    def check(self) -> str | None:
        """One round: note deaths, restart children whose backoff is over; a report to give up."""
        for child in self._children:
            if child.restart_at is None:
                proc = child.service.process
                if proc is None or proc.poll() is None:
                    continue
                report = self._died(child, describe_exit(proc.returncode), during_start=False)
            elif self._clock() >= child.restart_at:
                report = self._restart(child)
            else:
                continue
            if report is not None:
                return report
        return None

    def stop(self) -> None:
        """Stop every child, the last started first."""
        for child in reversed(self._children):
            child.restart_at = None
            child.service.stop()

    def _restart(self, child: _Child) -> str | None:
        """Start a dead child again; a failed start counts as a death."""
        child.restart_at = None
        child.log_offset = _log_size(child.service)
        try:
            child.service.start()
        except ServiceError as exc:
            return self._died(child, f"failed to restart: {_reason(exc, child.service)}", True)
        child.failed_starts = 0
        child.started_at = self._clock()
        pid = child.service.process.pid if child.service.process else "?"
        self._echo(f"supervise  {child.service.name} restarted (pid {pid})")
        return None

    def _died(self, child: _Child, how: str, during_start: bool) -> str | None:
        """Record a death; schedule the restart, or return the report when giving up."""
        now = self._clock()
        policy = self.policy
        name = child.service.name
        child.service.reap()  # anything the child started dies with it
        if not during_start and now - child.started_at >= policy.stable_after:
            child.streak = 0
        child.failed_starts = child.failed_starts + 1 if during_start else 0
        child.deaths.append(now)
        while child.deaths and child.deaths[0] < now - policy.window:
            child.deaths.popleft()
        tail = self._tail(child)
        if child.failed_starts >= policy.max_failed_starts:
            return (
                f"{name} {how}; it failed to start {child.failed_starts} times in a row, "
                f"giving up{tail}"
            )
        if len(child.deaths) > policy.max_deaths:
            return (
                f"{name} {how}; it died {len(child.deaths)} times within "
                f"{policy.window:g} s, giving up{tail}"
            )
        delay = policy.delay(child.streak)
        child.streak += 1
        child.restarts += 1
        child.restart_at = now + delay
        self._echo(
            f"supervise  {name} {how}; restarting in {delay:g} s (restart {child.restarts}){tail}"
        )
        return None

    def _tail(self, child: _Child) -> str:
        """The last lines the child wrote to its log file in this run, indented; or ""."""
        path = child.service.log_path
        if path is None:
            return ""  # it wrote to the terminal: its last lines are just above
        try:
            with path.open("rb") as fh:
                fh.seek(max(child.log_offset, path.stat().st_size - 64 * 1024))
                text = fh.read().decode(errors="replace")
        except OSError:
            return ""
        lines = [line[:300] for line in text.splitlines() if line.strip()][-self.policy.log_lines :]
        if not lines:
            return f"\n           ({path} has nothing new)"
        shown = "".join(f"\n             {line}" for line in lines)
        return f"\n           last lines of {path}:{shown}"


def _log_size(service: Service) -> int:
    """Bytes in a service's log file now (0 without one)."""
    try:
        return service.log_path.stat().st_size if service.log_path else 0
    except OSError:
        return 0


def _reason(exc: ServiceError, service: Service) -> str:
    """A start failure's message without the child's name, which the report already starts with."""
    text = str(exc)
    prefix = f"{service.name} "
    return text[len(prefix) :] if text.startswith(prefix) else text
