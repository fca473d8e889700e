"""`civicops keys`: rotate, revoke, list and export the notice-signing keys (Ed25519).

Every change is copied to the database the API publishes keys from, and audited.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli import common

if TYPE_CHECKING:
    from notices.keys import KeyStore
    from records.audit import AuditRecord


@click.group()
def keys() -> None:
    """Notice-signing keys (Ed25519) in the key folder, published at /v1/keys."""


def _publish(store: KeyStore, event: AuditRecord | None = None) -> None:
    """Copy the folder's public keys to the database the API serves them from; audit the change."""
    from records.audit import append
    from records.notices import publish_keys

    async def publish() -> None:
        """Publish the keys and append the audit entry."""
        await publish_keys(store)
        if event is not None:
            await append(event)

    try:
        asyncio.run(publish())
    except Exception as exc:  # the folder changed; the API learns at the next bootstrap
        click.echo(f"warning: keys not published to the database ({exc}); run `civicops bootstrap`")


@keys.command("rotate")
def keys_rotate() -> None:
    """Make a new signing key; notices signed with older keys keep verifying."""
    store = common.key_store()
    from records.audit import AuditRecord

    kid = store.rotate()
    _publish(store, AuditRecord("signing_key.rotate", kid, common.operator()))
    click.echo(f"new signing key {kid}")


@keys.command("revoke")
@click.argument("key_id")
@click.option("--reason", default="revoked by operator", show_default=True)
def keys_revoke(key_id: str, reason: str) -> None:
    """Mark a key revoked: notices it signed no longer verify."""
    from notices.keys import SigningKeyError

    store = common.key_store()
    try:
        replacement = store.revoke(key_id, reason)
    except SigningKeyError as exc:
        raise click.UsageError(str(exc)) from exc
    from records.audit import AuditRecord

    detail = {"reason": reason, "replacement": replacement}
    _publish(store, AuditRecord("signing_key.revoke", key_id, common.operator(), detail))
    click.echo(f"key {key_id} revoked")
    if replacement:
        click.echo(f"it was the signing key; new signing key {replacement}")


@keys.command("list")
def keys_list() -> None:
    """List keys with their status (active, retired, revoked)."""
    for jwk in common.key_store().jwks()["keys"]:
        revoked = f" revoked {jwk['revoked_at']}" if jwk["revoked_at"] else ""
        click.echo(f"{jwk['kid']}  {jwk['status']:<8} created {jwk['created_at']}{revoked}")


@keys.command("export")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
def keys_export(out: Path | None) -> None:
    """Write the public keys as JWKS, for auditors who verify offline."""
    text = json.dumps(common.key_store().jwks(), indent=2)
    if out:
        out.write_text(text + "\n")
        click.echo(f"wrote {out}")
    else:
        click.echo(text)
