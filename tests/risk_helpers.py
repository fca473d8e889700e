"""Small breach-risk models of real Boston 311 cases, and publishing them, for the tests."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path

from conftest import SHARED_DATA

from records import riskmodels as registry
from risk import boston
from risk import model as risk_model
from storage import models as artefacts

BOSTON = SHARED_DATA / "complaints" / "boston_311_2015-04_to_2015-07.csv"


def slice_of(tmp: Path, rows: int) -> Path:
    """The first `rows` rows of the real file (from April 2015), as a CSV of its own."""
    data = tmp / f"slice-{rows}.csv"
    with BOSTON.open(newline="") as src, data.open("w", newline="") as dst:
        dst.writelines(itertools.islice(src, rows + 1))
    return data


def train_small(tmp: Path, rows: int, until: datetime) -> Path:
    """A small model of the first `rows` real cases, saved; its artefact directory."""
    model = risk_model.train(boston.read(slice_of(tmp, rows)), until, "boston")
    return risk_model.save(model, tmp / "models")


async def publish(s3, settings, where: Path) -> str:  # type: ignore[no-untyped-def]
    """Upload an artefact and make it the active model; its id."""
    meta = json.loads((where / "artefact.json").read_text())
    prefix = artefacts.upload(s3, settings.s3_bucket, where, meta["id"])
    await registry.publish(meta, prefix, actor="test")
    return str(meta["id"])
