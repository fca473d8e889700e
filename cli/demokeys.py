"""`civicops demo-keys`: the demo API keys in var/demo-keys.json, renewed only on purpose."""

from __future__ import annotations

import asyncio
import getpass
import os
import socket

import click

from settings import Settings


@click.group("demo-keys")
def demo_keys() -> None:
    """The demo API keys (one per role) that `make up` writes to var/demo-keys.json."""


@demo_keys.command("renew")
def renew() -> None:
    """Revoke the demo keys still active and write a new set (mode 0600); audited."""
    from cli.bootstrap import renew_demo_keys

    settings = Settings.from_env()
    # var/ holds the database (citizens' contact details) and keys: owner only.
    settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path, revoked = asyncio.run(renew_demo_keys(settings, actor=_operator()))
    if revoked:
        click.echo(f"revoked the old demo keys still active: {', '.join(revoked)}")
    else:
        click.echo("no old demo key was still active")
    click.echo(f"new demo API keys: {path}")


def _operator() -> str:
    """How the audit log names the operator at this terminal (as the other key commands do)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"cli:{user}@{socket.gethostname()}"
