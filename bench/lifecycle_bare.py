"""The lifecycle benchmark's bare side: a workflow of N no-op activities, and when each ended.

`BareLifecycle` runs as many activities, one after the other, as a case runs on its way to
NOTICE_ISSUED, each doing nothing, with the case's timeout and retry policy; a worker inside
the benchmark process serves it. The activities run outside the sandbox and tell `BARE`
when a workflow's last one ran: that is when a bare workflow counts as done.

This module is the workflow's: the sandbox imports it again for every bare workflow, so it
holds nothing else and imports only what is passed through.
"""

from __future__ import annotations

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    import asyncio
    import time
    from dataclasses import dataclass
    from datetime import timedelta

    from temporalio.common import RetryPolicy

# The case's activity options (workflows/options.py: ACTIVITY_TIMEOUT, RETRY).
BARE_TIMEOUT = timedelta(seconds=30)
BARE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)


@dataclass
class BareInput:
    """A bare workflow's input: its key and how many activities it runs."""

    key: str
    activities: int


@dataclass
class BareStep:
    """One no-op activity's input: whose step, which, and whether it is the last."""

    key: str
    step: int
    last: bool


class BareTracker:
    """When each bare workflow's last activity ran (activities run outside the sandbox)."""

    def __init__(self) -> None:
        self.done: dict[str, float] = {}
        self.waiting: set[str] = set()
        self.all_done = asyncio.Event()

    def ran_last(self, key: str) -> None:
        """Note that the workflow with this key has run its last activity."""
        self.done[key] = time.perf_counter()
        self.waiting.discard(key)
        if not self.waiting:
            self.all_done.set()

    async def wait(self, keys: list[str], limit_s: float) -> None:
        """Until every key's last activity has run (at most limit_s seconds)."""
        self.waiting = {k for k in keys if k not in self.done}
        self.all_done.clear()
        if self.waiting:
            try:
                await asyncio.wait_for(self.all_done.wait(), limit_s)
            except TimeoutError:
                pass


BARE = BareTracker()


@activity.defn(name="bench_noop")
async def bench_noop(data: BareStep) -> int:
    """Does nothing; the last step of a workflow notes when it ran."""
    if data.last:
        BARE.ran_last(data.key)
    return data.step


@workflow.defn(name="BenchBareLifecycle")
class BareLifecycle:
    """As many activities as a case runs to NOTICE_ISSUED, one after the other, doing nothing."""

    @workflow.run
    async def run(self, data: BareInput) -> int:
        """Run the activities one after the other; the sum of their answers."""
        total = 0
        for step in range(data.activities):
            total += await workflow.execute_activity(
                bench_noop,
                BareStep(data.key, step, step == data.activities - 1),
                start_to_close_timeout=BARE_TIMEOUT,
                retry_policy=BARE_RETRY,
            )
        return total
