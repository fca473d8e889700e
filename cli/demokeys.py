"""`civicops demo-keys`: the demo API keys in var/demo-keys.json, renewed only on purpose."""

from __future__ import annotations

import asyncio

import click

from cli import common


@click.group("demo-keys")
def demo_keys() -> None:
    """The demo API keys (one per role) that `make up` writes to var/demo-keys.json."""


@demo_keys.command("renew")
def renew() -> None:
    """Revoke the demo keys still active and write a new set (mode 0600); audited."""
    from cli.bootstrap import renew_demo_keys

    path, revoked = asyncio.run(renew_demo_keys(common.settings(), actor=common.operator()))
    if revoked:
        click.echo(f"revoked the old demo keys still active: {', '.join(revoked)}")
    else:
        click.echo("no old demo key was still active")
    click.echo(f"new demo API keys: {path}")
