"""`civicops model`: train the breach-risk model on a city's history and evaluate it.

    civicops model train --data FILE --format boston [--until DATE] [--out DIR] [--publish]
    civicops model train --format civicops [--city C] [--until DATE] [--out DIR] [--publish]
    civicops model evaluate --data FILE --format boston --model PATH [--from DATE] [--until DATE]
    civicops model publish DIR          (or train ... --publish)
    civicops model list

Training splits by time, never at random: it learns from the cases filed before `--until`
and scores itself on those filed from then on. Evaluation prints the model's figures beside
the baseline's (the breach rate of the complaint's type in the training data) as a table,
then the same as one JSON line for scripts.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from cli import common

FORMATS = ("boston", "civicops")
DATA = click.Path(exists=True, dir_okay=False, path_type=Path)
MODEL_DIR = click.Path(exists=True, file_okay=False, path_type=Path)
OUT_DIR = click.Path(file_okay=False, path_type=Path)


def _cases(data: Path | None, fmt: str, city: str | None) -> list[Any]:
    """The labelled cases: the Boston 311 file, or this city's own projection."""
    from risk import boston

    if fmt == "civicops":
        from records.riskhistory import read_history

        if data is not None:
            raise click.UsageError("--data is for --format boston; civicops reads the database")
        found = asyncio.run(read_history(city or common.settings().city))
        if not found:
            raise click.UsageError("no case of that city has a verdict yet: too few to train on")
        return found
    if data is None:
        raise click.UsageError("--format boston needs --data FILE")
    try:
        return boston.read(data)
    except boston.BostonError as exc:
        raise click.UsageError(str(exc)) from None


def _day(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


@click.group()
def model() -> None:
    """The breach-risk model: train it on history, evaluate it on a later window."""


@model.command()
@click.option("--data", "data", type=DATA, help="the Boston 311 CSV (--format boston)")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--city", help="the city whose cases to read (--format civicops; default: its own)")
@click.option("--until", help="train on cases filed before this day (YYYY-MM-DD); test on the rest")
@click.option("--out", type=OUT_DIR, default=Path("var/models"), show_default=True)
@click.option("--publish", is_flag=True, help="also store it in S3 and make it the active model")
def train(
    data: Path | None, fmt: str, city: str | None, until: str | None, out: Path, publish: bool
) -> None:
    """Train on the cases filed before --until and save a versioned artefact."""
    from risk import model as risk_model

    cases = _cases(data, fmt, city)
    cut = _day(until, "--until") or _last_month_start(cases)
    try:
        trained = risk_model.train(cases, cut, fmt)
    except risk_model.ModelError as exc:
        raise click.UsageError(str(exc)) from None
    where = risk_model.save(trained, out)
    meta = trained.meta
    click.echo(
        f"model {trained.id}: {meta['training_cases']:,} cases filed "
        f"{meta['window']['from'][:10]} to before {meta['window']['until'][:10]}"
    )
    if meta["holdout"]:
        _table(meta["holdout"])
    click.echo(f"saved {where}")
    if publish:
        _publish(where)


@model.command("publish")
@click.argument("where", type=MODEL_DIR)
def publish_command(where: Path) -> None:
    """Store an artefact in S3 and make it the active model; workers take it within 30 s."""
    _publish(where)


@model.command("list")
def list_command() -> None:
    """The published models, newest first, and which one is active."""
    from records.riskmodels import listing

    common.settings()
    rows = asyncio.run(listing())
    if not rows:
        click.echo("no model published: priorities follow the rules")
    for row in rows:
        scores = (row["holdout"] or {}).get("model") or {}
        base = (row["holdout"] or {}).get("baseline") or {}
        click.echo(
            f"{'*' if row['active'] else ' '} {row['model_id']}  {row['source']}  trained "
            f"{row['window_from'][:10]} to {row['window_until'][:10]}  ROC-AUC "
            f"{scores.get('roc_auc', '-')} (baseline {base.get('roc_auc', '-')})  published "
            f"{row['published_at']:%Y-%m-%d %H:%M} by {row['published_by']}"
        )


def _publish(where: Path) -> None:
    """Upload the artefact at `where` (checked first) and register it as active."""
    from records.riskmodels import publish
    from risk import model as risk_model
    from storage import models as artefacts
    from storage import s3 as s3_store

    try:
        loaded = risk_model.load(where)
    except risk_model.ModelError as exc:
        raise click.UsageError(str(exc)) from None
    settings = common.settings()
    client = s3_store.client(settings)
    s3_store.ensure_bucket(client, settings.s3_bucket)
    prefix = artefacts.upload(client, settings.s3_bucket, where, loaded.id)
    asyncio.run(publish(loaded.meta, prefix, actor=common.operator()))
    click.echo(f"published {loaded.id} at s3://{settings.s3_bucket}/{prefix}; it is now active")


@model.command()
@click.option("--data", "data", type=DATA, help="the Boston 311 CSV (--format boston)")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--city", help="the city whose cases to read (--format civicops; default: its own)")
@click.option("--model", "model_path", type=MODEL_DIR, required=True)
@click.option("--from", "from_", help="first day evaluated (default: the model's --until)")
@click.option("--until", help="evaluate cases filed before this day (default: all)")
def evaluate(
    data: Path | None,
    fmt: str,
    city: str | None,
    model_path: Path,
    from_: str | None,
    until: str | None,
) -> None:
    """Score a model and the type baseline side by side on a later window."""
    from risk import model as risk_model

    try:
        loaded = risk_model.load(model_path)
    except risk_model.ModelError as exc:
        raise click.UsageError(str(exc)) from None
    start = _day(from_, "--from") or datetime.fromisoformat(loaded.meta["window"]["until"])
    end = _day(until, "--until") or datetime.max
    cases = [c for c in _cases(data, fmt, city) if start <= c.filing.filed_at < end]
    if not cases:
        raise click.UsageError("no cases in that window")
    figures = risk_model.evaluate(loaded, risk_model.baseline_of(loaded), cases)
    click.echo(f"model {loaded.id} on {len(cases):,} cases filed from {start:%Y-%m-%d}")
    _table(figures)
    line = {"model_id": loaded.id, "from": start.date().isoformat(), **figures}
    click.echo(json.dumps(line, sort_keys=True))


def _last_month_start(cases: list[Any]) -> datetime:
    last = max(c.filing.filed_at for c in cases)
    return last.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _table(figures: dict[str, Any]) -> None:
    click.echo(f"  {'':<22}{'model':>10}{'baseline':>10}")
    for name in ("roc_auc", "pr_auc", "brier", "breach_rate"):
        click.echo(f"  {name:<22}{figures['model'][name]:>10}{figures['baseline'][name]:>10}")
    click.echo("  breach rate by predicted decile (highest risk first):")
    for k in range(10):
        m, b = (
            figures["model"]["breach_rate_by_decile"][k],
            figures["baseline"]["breach_rate_by_decile"][k],
        )
        click.echo(f"  {'decile ' + str(k + 1):<22}{m:>10}{b:>10}")
