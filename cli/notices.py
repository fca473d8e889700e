"""`civicops verify`: check a notice offline, from its PDF, its scanned QR string, or both."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cli import common


@click.command()
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
            keyring = Keyring(common.key_store().public_keys().values())
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
