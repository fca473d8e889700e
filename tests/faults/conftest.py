"""One embedded stack for the whole fault suite, its seed, and the figures at the end of the run.

The seed decides every random choice (sites, kill moments, outage lengths); it is printed,
and CIVICOPS_FAULT_SEED=<seed> replays the same choices.
"""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.client import Client

from faults.audit import Ledger
from faults.scenario import FIGURES
from faults.stack import App, Infra
from faults.traffic import SpotPool

SEED = int(os.environ.get("CIVICOPS_FAULT_SEED") or random.SystemRandom().randrange(2**31))


FIGURES_KEY = "fault figures"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the seed and each fault's figures, whatever the outcome and without -s.

    The lines travel in the test reports (user_properties), so they also arrive from xdist
    workers; but run the suite in one process: each xdist worker would start its own stack.
    """
    lines: list[str] = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            for key, value in getattr(report, "user_properties", ()):
                if key == FIGURES_KEY and value not in lines:
                    lines.append(value)
    if not lines:
        return
    terminalreporter.section("fault suite")
    for line in lines:
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _figures_in_report(request: pytest.FixtureRequest) -> Iterator[None]:
    """Put the seed and the figures a fault test printed into its report."""
    start = len(FIGURES)
    yield
    request.node.user_properties.append(
        (FIGURES_KEY, f"seed={SEED} (replay: CIVICOPS_FAULT_SEED={SEED})")
    )
    for line in FIGURES[start:]:
        request.node.user_properties.append((FIGURES_KEY, line))


@pytest.fixture
def fault_rng(request: pytest.FixtureRequest) -> random.Random:
    """This test's RNG for kill moments and outage lengths: the seed and the test's name.

    So replaying a seed gives a test the same draws whichever tests run with it.
    """
    print(f"\nfault suite seed={SEED}")
    return random.Random(f"{SEED}:{request.node.name}")


@pytest.fixture(scope="session")
def spots() -> SpotPool:
    """Complaint sites for the whole suite (no two of a category within 60 m)."""
    return SpotPool(SEED)


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    """Every tracking id accepted in this session."""
    return Ledger()


@pytest.fixture(scope="package")
def fault_var(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The stack's var dir: databases, S3 folder, logs (kept by pytest for the last runs)."""
    yield tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="package")
async def infra(fault_var: Path) -> AsyncIterator[Infra]:
    """rclone S3 and the Temporal dev server on SQLite, as `make up` runs them."""
    services = Infra.create(fault_var)
    await services.start()
    yield services
    services.stop()


@pytest.fixture(scope="package")
async def temporal(infra: Infra) -> Client:
    """A Temporal client of the stack (it reconnects after the server restarts)."""
    return await Client.connect(infra.temporal_address, namespace=infra.namespace)


@pytest.fixture(scope="package")
async def stack(infra: Infra, fault_var: Path) -> AsyncIterator[App]:
    """The embedded default: API and worker processes on a SQLite file, bootstrapped."""
    app = App.create("sqlite", infra, fault_var / "sqlite")
    await app.start()
    yield app
    await app.stop()
