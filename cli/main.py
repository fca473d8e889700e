"""`civicops`: the command group; each command group lives in its own module under cli/.

`python -m cli.main ...` runs the same command (`up` starts its worker and API that way).
"""

from __future__ import annotations

import click

from cli.apikeys import apikeys
from cli.audit import audit
from cli.classify import classify
from cli.demo import demo
from cli.demokeys import demo_keys
from cli.model import model
from cli.notices import verify
from cli.officials import officials
from cli.privacy import breach, privacy
from cli.signing import keys
from cli.stack import bootstrap, migrate, server, up, worker
from cli.trace import trace
from cli.zones import zones


@click.group()
def cli() -> None:
    """CivicOps: civic complaints as durable Temporal workflows."""


for command in (up, worker, server, migrate, bootstrap, zones, demo, demo_keys):  # the stack
    cli.add_command(command)
# operating and auditing it
for command in (apikeys, officials, audit, keys, verify, trace, model, classify, privacy, breach):
    cli.add_command(command)


def main() -> None:
    """Entry point of the `civicops` console script."""
    cli()


if __name__ == "__main__":
    main()
