"""`civicops`: run the stack, import zones, file demo complaints, manage keys, verify notices."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from cli import common
from cli.demokeys import demo_keys
from cli.zones import zones
from domain.roles import Role
from settings import Settings

if TYPE_CHECKING:
    from records.audit import AuditRecord


def _ports_to_open(settings: Settings) -> list[int]:
    ports = [settings.api_port]
    if settings.temporal_address is None:
        ports += [settings.temporal_port, settings.temporal_ui_port]
    if settings.s3_endpoint_url is None:
        ports.append(settings.s3_port)
    return ports


async def _register_search_attributes(settings: Settings) -> list[str]:
    from worker import connect
    from workflows.search_attributes import ensure_registered

    return await ensure_registered(await connect(settings))


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


@click.group()
def cli() -> None:
    """CivicOps: civic complaints as durable Temporal workflows."""


@cli.command()
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

    settings = common.settings()
    supervisor = Supervisor(echo=lambda line: click.echo(line, err=True))

    def stop_all(*_: object) -> None:
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
        db = "postgresql" if settings.database_url else f"sqlite {settings.sqlite_path}"
        click.echo(f"database   {db}")
        for line in asyncio.run(bootstrap(settings, demo=not no_demo)):
            click.echo(f"bootstrap  {line}")
        me = [sys.executable, "-m", "cli.main"]
        supervisor.start(Service("worker", [*me, "worker"], None, None))
        supervisor.start(Service("api", [*me, "server"], settings.api_port, None))
        keys = settings.var_dir / "demo-keys.json"
        click.echo(
            "\nCivicOps is up.\n"
            f"  API          {settings.public_url}\n"
            f"  OpenAPI docs {settings.public_url}/schema  (Swagger: /schema/swagger)\n"
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


@cli.command()
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
    _exit_skipping_finalisation(0)  # the worker has shut down cleanly


def _exit_skipping_finalisation(code: int) -> NoReturn:
    """Exit a process that used a Temporal client, without interpreter finalisation.

    The Temporal SDK's native threads can abort finalisation ("PyGILState_Release",
    temporalio/sdk-python#300): the command would die with SIGABRT after doing its work.
    """
    import logging

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


async def _until_sigterm(coro) -> None:  # type: ignore[no-untyped-def]
    task = asyncio.ensure_future(coro)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass


@cli.command()
def server() -> None:
    """Run the Litestar API."""
    import server as server_module

    server_module.run(common.settings())


@cli.command()
def migrate() -> None:
    """Apply database migrations."""
    from cli.bootstrap import migrate as do_migrate

    asyncio.run(do_migrate(common.settings()))
    click.echo("migrations applied")


@cli.command()
@click.option("--no-demo", is_flag=True, help="Do not load the demo city or demo keys.")
def bootstrap(no_demo: bool) -> None:
    """Migrations, bucket, demo city and demo keys; safe to repeat."""
    from cli.bootstrap import bootstrap as do_bootstrap

    for line in asyncio.run(do_bootstrap(common.settings(), demo=not no_demo)):
        click.echo(line)


cli.add_command(zones)
cli.add_command(demo_keys)


@cli.command()
@click.option(
    "--complaints",
    "count",
    type=click.IntRange(1, 100_000),
    default=50,
    show_default=True,
    help="How many complaints to file.",
)
@click.option("--api-url", help="API base URL (default: CIVICOPS_PUBLIC_URL).")
@click.option(
    "--api-key",
    envvar="CIVICOPS_API_KEY",
    help="Key to file with (or CIVICOPS_API_KEY; default: the demo citizen-app key).",
)
@click.option("--city", help="City slug (default: the API's city).")
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True)
def demo(
    count: int, api_url: str | None, api_key: str | None, city: str | None, concurrency: int
) -> None:
    """File N realistic complaints (made with faker) in the demo city through the API."""
    from cli.demo import file_many

    settings = common.settings()
    if api_key is None:
        keys_file = settings.var_dir / "demo-keys.json"
        if not keys_file.exists():
            raise click.UsageError(f"{keys_file} not found: run `make up` first or pass --api-key")
        api_key = json.loads(keys_file.read_text())["citizen-app"]
    accepted, errors = asyncio.run(
        file_many(api_url or settings.public_url, api_key, count, city=city,
                  concurrency=concurrency)
    )  # fmt: skip
    click.echo(f"{accepted} of {count} complaints accepted")
    for error in errors[:10]:
        click.echo(f"  rejected: {error}", err=True)
    if errors:
        raise SystemExit(1)


@cli.group()
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


@cli.group()
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
        await audit_log.seal()
        return await audit_log.head()

    head = asyncio.run(current())
    click.echo(f"{head['seq']} {head['entry_hash']}")


@cli.group()
def keys() -> None:
    """Notice-signing keys (Ed25519) in the key folder, published at /v1/keys."""


def _key_store():  # type: ignore[no-untyped-def]
    from notices.keys import KeyStore

    return KeyStore.from_settings(common.settings())


def _publish(store, event: AuditRecord | None = None) -> None:  # type: ignore[no-untyped-def]
    """Copy the key folder's public keys into the database the API serves them from, and
    append the key operation to the audit log."""
    from records.audit import append
    from records.notices import publish_keys

    async def publish() -> None:
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
    store = _key_store()
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

    store = _key_store()
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
    for jwk in _key_store().jwks()["keys"]:
        revoked = f" revoked {jwk['revoked_at']}" if jwk["revoked_at"] else ""
        click.echo(f"{jwk['kid']}  {jwk['status']:<8} created {jwk['created_at']}{revoked}")


@keys.command("export")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout)."
)
def keys_export(out: Path | None) -> None:
    """Write the public keys as JWKS, for auditors who verify offline."""
    text = json.dumps(_key_store().jwks(), indent=2)
    if out:
        out.write_text(text + "\n")
        click.echo(f"wrote {out}")
    else:
        click.echo(text)


@cli.command()
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JWKS (from /v1/keys or `keys export`) or a PEM public key; default: var/keys.",
)
@click.option("--qr", help="A scanned QR string (or its URL) to verify, alone or with FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def verify(file: Path | None, public_key: Path | None, qr: str | None, as_json: bool) -> None:
    """Verify a notice offline from its PDF and/or QR string. Exit 0 valid, 1 invalid."""
    from notices import pdfseal
    from notices.keys import load_public_keys
    from notices.verify import Keyring, match_qr, verify_pdf, verify_qr

    if file is None and qr is None:
        raise click.UsageError("give a notice PDF, --qr, or both")
    try:
        if public_key is not None:
            keyring = Keyring(load_public_keys(public_key))
        else:
            keyring = Keyring(_key_store().public_keys().values())
    except (OSError, ValueError) as exc:
        raise click.UsageError(f"cannot read public keys: {exc}") from exc
    if not len(keyring):
        raise click.UsageError("no public keys: pass --public-key FILE (JWKS or PEM)")
    pdf_verdict = qr_verdict = None
    try:
        if file is not None:
            pdf_verdict = verify_pdf(file.read_bytes(), keyring)
        if qr is not None:
            qr_verdict = verify_qr(qr, keyring)
    except (pdfseal.NotAPdf, pdfseal.Unsigned, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    verdict = match_qr(pdf_verdict, qr_verdict)
    if as_json:
        click.echo(json.dumps(verdict.as_dict(), indent=2))
    else:
        click.echo(verdict.message)
    sys.exit(0 if verdict.valid else 1)


@cli.command()
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
        raise click.BadParameter(
            "not a tracking id (expected like BLR-7K3M9QX2AB)", param_hint="TRACKING_ID"
        )

    async def fetch() -> CaseHistory:
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
        _exit_skipping_finalisation(1)
    except RuntimeError as exc:  # connecting failed
        address = settings.effective_temporal_address
        click.echo(f"error: cannot reach Temporal at {address}: {exc}", err=True)
        _exit_skipping_finalisation(1)
    click.echo(to_json(history) if as_json else render_text(history))
    _exit_skipping_finalisation(0)


def main() -> None:
    """Entry point of the `civicops` console script."""
    cli()


if __name__ == "__main__":
    main()
