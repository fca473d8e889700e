"""`civicops up`, `worker`, `server`, `migrate` and `bootstrap`: run the stack and set it up.

`up` starts what is missing (S3, Temporal, the database) and supervises the worker and the
API as children, each started as `python -m cli.main worker|server`.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Coroutine
from typing import Any

import click

from cli import common
from settings import Settings


def _ports_to_open(settings: Settings) -> list[int]:
    """The local ports `up` will listen on: the API's, and those of the services it starts."""
    ports = [settings.api_port]
    if settings.temporal_address is None:
        ports += [settings.temporal_port, settings.temporal_ui_port]
    if settings.s3_endpoint_url is None:
        ports.append(settings.s3_port)
    return ports


async def _register_search_attributes(settings: Settings) -> list[str]:
    """Register the search attributes on an outside Temporal cluster; the ones added."""
    from worker import connect
    from workflows.search_attributes import ensure_registered

    return await ensure_registered(await connect(settings))


def _interrupt(*_: object) -> None:
    """A signal handler that stops `up` the way Ctrl-C does."""
    raise KeyboardInterrupt


@click.command()
@click.option("--no-demo", is_flag=True, help="Do not load the demo city or demo keys.")
def up(no_demo: bool) -> None:
    """Start everything missing (Temporal, S3, database), then the worker and the API.

    Every child it starts is supervised: one that dies is restarted with backoff; the stack
    stops on Ctrl-C or SIGTERM, or when a child keeps dying (see devstack/supervisor.py).
    """
    from cli.bootstrap import bootstrap
    from devstack.services import (
        Service,
        ServiceError,
        port_open,
        rclone_s3,
        temporal_dev_server,
    )
    from devstack.supervisor import Supervisor
    from records.db import describe as describe_database

    settings = common.settings()
    supervisor = Supervisor(echo=lambda line: click.echo(line, err=True))

    def stop_all(*_: object) -> None:
        """Stop every child, ignoring further signals meanwhile."""
        # A second Ctrl-C (or a terminal that signals twice) must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop()

    # Ctrl-C and `kill` both stop the stack, even when a non-interactive shell started us with
    # SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        busy = [p for p in _ports_to_open(settings) if port_open("127.0.0.1", p)]
        if busy:
            raise ServiceError(f"ports {busy} are already in use (another `make up`?)")
        # S3 first: the Temporal dev server binds a few random internal ports as it starts.
        if settings.s3_endpoint_url is None:
            supervisor.start(rclone_s3(settings, root=settings.var_dir / "s3"))
            click.echo(f"s3         rclone on {settings.effective_s3_endpoint_url}")
        else:
            click.echo(f"s3         using {settings.s3_endpoint_url}")
        if settings.temporal_address is None:
            db_file = settings.var_dir / "temporal" / "temporal.db"
            supervisor.start(temporal_dev_server(settings, db_file=db_file))
            click.echo(f"temporal   dev server on {settings.effective_temporal_address}")
        else:
            added = asyncio.run(_register_search_attributes(settings))
            click.echo(f"temporal   using {settings.temporal_address}")
            if added:
                click.echo(f"temporal   registered search attributes {', '.join(added)}")
        click.echo(f"database   {describe_database()}")
        for line in asyncio.run(bootstrap(settings, demo=not no_demo)):
            click.echo(f"bootstrap  {line}")
        me = [sys.executable, "-m", "cli.main"]
        supervisor.start(Service("worker", [*me, "worker"], None, None))
        supervisor.start(Service("api", [*me, "server"], settings.api_port, None))
        keys = settings.var_dir / "demo-keys.json"
        click.echo(
            "\nCivicOps is up.\n"
            f"  Dashboard    {settings.public_url}/\n"
            f"  API          {settings.public_url}/v1\n"
            f"  OpenAPI docs {settings.public_url}/schema/swagger\n"
            f"  Temporal UI  "
            + (
                f"http://127.0.0.1:{settings.temporal_ui_port}"
                if settings.temporal_address is None
                else "(your cluster's UI)"
            )
            + (f"\n  Demo keys    {keys}" if keys.exists() else "")
            + "\nPress Ctrl-C to stop everything."
        )
        sys.stdout.flush()  # the banner must show even when output goes to a file or a pipe
        report = supervisor.run()  # returns only when a child keeps dying
        click.echo(f"error: {report}\nstopping the rest", err=True)
        raise SystemExit(1)
    except ServiceError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from exc
    except KeyboardInterrupt:
        click.echo("\nstopping…")
    finally:
        stop_all()


@click.command()
def worker() -> None:
    """Run a Temporal worker for the complaint workflows."""
    import logging

    import worker as worker_module

    settings = common.settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(_until_sigterm(worker_module.run(settings)))
    except KeyboardInterrupt:
        pass
    common.exit_skipping_finalisation(0)  # the worker has shut down cleanly


async def _until_sigterm(coro: Coroutine[Any, Any, None]) -> None:
    """Run coro until it ends or SIGTERM/SIGINT cancels it."""
    task = asyncio.ensure_future(coro)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass


@click.command()
def server() -> None:
    """Run the Litestar API."""
    import server as server_module

    server_module.run(common.settings())


@click.command()
def migrate() -> None:
    """Apply database migrations."""
    from cli.bootstrap import migrate as do_migrate

    asyncio.run(do_migrate(common.settings()))
    click.echo("migrations applied")


@click.command()
@click.option("--no-demo", is_flag=True, help="Do not load the demo city or demo keys.")
def bootstrap(no_demo: bool) -> None:
    """Migrations, bucket, demo city and demo keys; safe to repeat."""
    from cli.bootstrap import bootstrap as do_bootstrap

    for line in asyncio.run(do_bootstrap(common.settings(), demo=not no_demo)):
        click.echo(line)
