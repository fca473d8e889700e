"""`civicops officials`: sign-in for the people on the roster (invitation links)."""

from __future__ import annotations

import asyncio

import click

from cli import common


@click.group()
def officials() -> None:
    """Supervisors and officials who sign in to the pages."""


@officials.command("invite")
@click.argument("official_id", type=click.IntRange(1, 2**31 - 1))
@click.option(
    "--hours",
    type=click.FloatRange(0.1, 24 * 14),
    default=72.0,
    show_default=True,
    help="The link works this long, once.",
)
def officials_invite(official_id: int, hours: float) -> None:
    """Print a single-use link where the official sets a password (send it to them)."""
    from records import signin

    settings = common.settings()
    try:
        token = asyncio.run(signin.invite(official_id, hours=hours, actor=common.operator()))
    except signin.UnknownOfficial as exc:
        raise click.UsageError(str(exc) or f"no active official {official_id}") from exc
    click.echo(
        f"Invitation for official {official_id}, valid {hours:g} hours, once. Send it only to them:"
    )
    click.echo(f"{settings.public_url}/invite/{token}")
