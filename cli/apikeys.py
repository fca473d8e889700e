"""`civicops apikeys`: create, revoke and list the API keys apps and people call the API with."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import click

from cli import common
from domain.roles import Role


@click.group()
def apikeys() -> None:
    """API keys for citizen apps, integrators, supervisors, auditors, officials, admins."""


@apikeys.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
)
@click.option("--name", required=True, help="Who holds the key, e.g. 'Namma Bengaluru app'.")
@click.option("--official", "official_id", type=int, help="Official id (required for supervisor).")
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, 3650),
    help="The key stops working this many days from now (default: never).",
)
@click.option(
    "--rate",
    "rate_per_minute",
    type=click.IntRange(0, 1_000_000),
    help="Requests a minute this key may make (0: unlimited; default: the server's).",
)
def apikeys_create(
    role: str,
    name: str,
    official_id: int | None,
    expires_in_days: int | None,
    rate_per_minute: int | None,
) -> None:
    """Create a key; the secret is printed once and never stored."""
    from records.apikeys import create_key

    common.settings()
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        token, row = asyncio.run(
            create_key(
                name,
                Role(role),
                official_id,
                expires_at=expires_at,
                rate_per_minute=rate_per_minute,
                actor=common.operator(),
            )
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    until = f", expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    click.echo(
        f"key id {row.key_id} ({role}, {name}{until}); store this secret now, "
        "it is not shown again:"
    )
    click.echo(token)


@apikeys.command("revoke")
@click.argument("key_id")
@click.option("--reason", default="revoked by operator", show_default=True)
def apikeys_revoke(key_id: str, reason: str) -> None:
    """Revoke a key by its id (the part after `cvk_`); running APIs refuse it within 5 s."""
    from records.apikeys import revoke_key

    common.settings()
    if not asyncio.run(revoke_key(key_id, reason=reason, actor=common.operator())):
        raise click.UsageError(f"no active key with id {key_id}")
    click.echo(f"key {key_id} revoked")


@apikeys.command("list")
@click.option("--active", is_flag=True, help="Only keys that still work.")
def apikeys_list(active: bool) -> None:
    """List keys: id, role, state (active, expired, revoked), expiry, name; never secrets."""
    from records.apikeys import list_keys

    common.settings()
    for k in asyncio.run(list_keys(include_revoked=not active)):
        if active and k.state != "active":
            continue
        bound = f" official={k.official_id}" if k.official_id else ""
        expiry = f"{k.expires_at:%Y-%m-%d}" if k.expires_at else "never"
        rate = f" rate={k.rate_per_minute}/min" if k.rate_per_minute is not None else ""
        click.echo(
            f"{k.key_id}  {k.role:<12} {k.state:<8} expires {expiry:<10} {k.name}{bound}{rate}"
        )
