"""How every CivicOps activity runs: it heartbeats, and says when retrying cannot help.

Temporal retries a failed activity, and re-runs one whose worker died once its heartbeat
goes quiet. Two rules follow, applied to every activity by the `@resilient` decorator:

- **Heartbeat while running.** A background task heartbeats every quarter of the
  activity's heartbeat timeout, so an attempt that waits on a slow database or renders a
  PDF in a thread stays alive, while an attempt whose worker was killed is timed out and
  retried within that timeout (see `workflows/options.py` HEARTBEAT_TIMEOUT). Local
  activities cannot heartbeat; a dead worker's local activity is re-run with its
  workflow task.
- **Permanent errors are non-retryable.** An input the database cannot hold (an integer
  beyond its range, text it cannot encode) fails the same way on every attempt; retrying
  it for ever wedges the case. Such errors become `ApplicationError(type=Refusal.BAD_INPUT,
  non_retryable=True)`. Outages (connections refused, locks, timeouts) stay retryable.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.access import Refusal
from records.db import BAD_INPUT

P = ParamSpec("P")
T = TypeVar("T")

# Errors caused by the input itself: the next attempt would fail the same way.
PERMANENT: tuple[type[BaseException], ...] = (OverflowError, UnicodeError, *BAD_INPUT)


async def _beat(every: float) -> None:
    while True:
        await asyncio.sleep(every)
        activity.heartbeat()


def resilient(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Wrap an async activity: heartbeat while it runs; permanent errors are non-retryable."""

    @functools.wraps(fn)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if not activity.in_activity():  # called directly (a script, a test): run it plainly
            return await fn(*args, **kwargs)
        info = activity.info()
        beat = None
        if not info.is_local and info.heartbeat_timeout:
            every = max(info.heartbeat_timeout.total_seconds() / 4, 0.5)
            beat = asyncio.create_task(_beat(every))
        try:
            return await fn(*args, **kwargs)
        except PERMANENT as exc:
            raise ApplicationError(
                f"{info.activity_type} cannot succeed with this input "
                f"({type(exc).__name__}: {exc})",
                type=Refusal.BAD_INPUT,
                non_retryable=True,
            ) from exc
        finally:
            if beat is not None:
                beat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beat

    return run
