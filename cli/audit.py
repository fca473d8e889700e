"""`civicops audit`: check the tamper-evident audit log's hash chain and print its head."""

from __future__ import annotations

import asyncio

import click

from cli import common


@click.group()
def audit() -> None:
    """The tamper-evident audit log (a hash chain of every state change and key operation)."""


@audit.command("verify")
@click.option("--expect-head", help="A head hash published earlier: it must still be in the chain.")
def audit_verify(expect_head: str | None) -> None:
    """Check every link of the chain; name the first broken one (exit 1 if any)."""
    from records import audit as audit_log
    from records.tables import AuditEntry

    common.settings()

    async def check() -> tuple[audit_log.Verdict, bool | None]:
        """The chain's verdict, and whether the published head is in it."""
        await audit_log.seal()  # chain entries still pending, so all that is committed counts
        verdict = await audit_log.verify()
        found = None
        if expect_head:
            found = await AuditEntry.exists().where(AuditEntry.entry_hash == expect_head.strip())
        return verdict, found

    verdict, found = asyncio.run(check())
    if not verdict.ok:
        click.echo(f"BROKEN at entry {verdict.broken_seq}: {verdict.reason}")
        click.echo(f"the chain holds up to entry {verdict.head_seq} ({verdict.head_hash})")
        raise SystemExit(1)
    click.echo(f"OK: {verdict.entries} entries, head {verdict.head_seq} {verdict.head_hash}")
    if found is False:
        click.echo(f"BROKEN: the published head {expect_head} is no longer in the chain")
        raise SystemExit(1)


@audit.command("head")
def audit_head() -> None:
    """Print the current head (sequence number and hash) to keep a copy elsewhere."""
    from records import audit as audit_log

    common.settings()

    async def current() -> dict:
        """The head once pending entries are chained."""
        await audit_log.seal()
        return await audit_log.head()

    head = asyncio.run(current())
    click.echo(f"{head['seq']} {head['entry_hash']}")
