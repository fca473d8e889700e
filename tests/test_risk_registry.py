"""Publishing a breach-risk model: S3 holds it, the registry names the active one, and a
running worker's holder swaps to it without a restart, or falls back to the rules."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest
from risk_helpers import publish, train_small

from activities.risk import ModelHolder
from records import riskmodels as registry
from records.audit import entries
from records.tables import RiskModel
from storage import s3 as s3_store


@pytest.fixture
async def s3(settings, database):  # type: ignore[no-untyped-def]
    """The run's S3 client; no model is active before or after the test."""
    await RiskModel.update({RiskModel.active: False}, force=True)
    yield s3_store.client(settings)
    await RiskModel.update({RiskModel.active: False}, force=True)


async def test_a_running_worker_picks_up_a_newly_published_model_without_a_restart(
    s3, settings, tmp_path
):
    holder = ModelHolder(s3, settings.s3_bucket, tmp_path / "cache")
    assert await holder.refresh() is None  # nothing published: the rules
    first = await publish(s3, settings, train_small(tmp_path, 4000, datetime(2015, 4, 15)))
    assert await holder.refresh() == first
    second = await publish(s3, settings, train_small(tmp_path, 6000, datetime(2015, 4, 20)))
    assert second != first
    assert await holder.refresh() == second and holder.model is not None
    listed = await registry.listing()
    assert [m["model_id"] for m in listed if m["active"]] == [second]
    assert {first, second} <= {m["model_id"] for m in listed}
    trail = await entries(0, 10_000, second)
    assert [e["action"] for e in trail] == ["model.published"]
    assert (
        trail[0]["detail"]["roc_auc"]
        == json.loads((tmp_path / "models" / second / "artefact.json").read_text())["holdout"][
            "model"
        ]["roc_auc"]
    )


async def test_a_broken_published_artefact_leaves_the_worker_on_the_rules(s3, settings, tmp_path):
    where = train_small(tmp_path, 4000, datetime(2015, 4, 15))
    meta = json.loads((where / "artefact.json").read_text())
    meta["training_cases"] += 1  # altered after training: its id no longer matches
    (where / "artefact.json").write_text(json.dumps(meta))
    model_id = await publish(s3, settings, where)
    holder = ModelHolder(s3, settings.s3_bucket, tmp_path / "cache")
    assert await holder.refresh() is None and holder.failed == model_id
    assert await holder.refresh() is None  # not fetched again until another is published


def test_publish_and_list_on_the_command_line(settings, database, tmp_path):
    from click.testing import CliRunner

    from cli.main import cli

    where = train_small(tmp_path, 4000, datetime(2015, 4, 15))
    env = {"S3_ENDPOINT_URL": settings.s3_endpoint_url}
    runner = CliRunner()
    try:
        done = runner.invoke(cli, ["model", "publish", str(where)], env=env)
        assert done.exit_code == 0, done.output
        assert f"published {where.name}" in done.output
        listed = runner.invoke(cli, ["model", "list"], env=env)
        assert listed.exit_code == 0, listed.output
        assert f"* {where.name}  boston  trained 2015-04-01 to 2015-04-15" in listed.output
        (where / "model.json").write_bytes(b"{}")
        refused = runner.invoke(cli, ["model", "publish", str(where)], env=env)
        assert refused.exit_code == 2 and "not a readable model artefact" in refused.output
    finally:
        asyncio.run(RiskModel.update({RiskModel.active: False}, force=True).run())
