"""`civicops trace`: print a case's timeline, read from its Temporal history."""

from __future__ import annotations

import asyncio

import click

from cli import common


@click.command()
@click.argument("tracking_id")
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON (as the API).")
def trace(tracking_id: str, as_json: bool) -> None:
    """Print a case's timeline from its Temporal history: every step, who, when (IST)."""
    from temporalio.service import RPCError, RPCStatusCode

    from domain import ids
    from timeline import CaseHistory, fetch_case_history, render_text, to_json
    from worker import connect

    settings = common.settings()
    value = ids.parse_tracking_id(tracking_id)
    if value is None:
        reason = ids.check_failure(tracking_id) or ids.NOT_AN_ID
        raise click.BadParameter(reason, param_hint="TRACKING_ID")

    async def fetch() -> CaseHistory:
        """The case's history from Temporal."""
        client = await connect(settings)
        return await fetch_case_history(
            client, ids.workflow_id(value), ui_url=settings.effective_temporal_ui_url
        )

    try:
        history = asyncio.run(fetch())
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            click.echo(f"error: no case history for {value} in Temporal", err=True)
        else:
            click.echo(f"error: Temporal unavailable: {exc}", err=True)
        common.exit_skipping_finalisation(1)
    except RuntimeError as exc:  # connecting failed
        address = settings.effective_temporal_address
        click.echo(f"error: cannot reach Temporal at {address}: {exc}", err=True)
        common.exit_skipping_finalisation(1)
    click.echo(to_json(history) if as_json else render_text(history))
    common.exit_skipping_finalisation(0)
