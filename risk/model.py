"""Train, save, load and apply the breach-risk model (xgboost), with its baseline and reasons.

An artefact is a directory named by its id: `model.json` (xgboost's own JSON) and
`artefact.json` (the feature schema and vocabulary, the training window, the metrics on the
held-out later window, the type baseline, the xgboost version and the parameters). The id is
a SHA-256 of both, so the same training gives the same id and any changed byte another one.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from risk.boston import Labelled
from risk.features import FEATURES, Filing, Vocabulary, describe, vector
from risk.metrics import scores

PARAMS: dict[str, Any] = {
    "objective": "binary:logistic",
    "tree_method": "hist",
    "max_depth": 4,
    "eta": 0.05,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "min_child_weight": 5,
    "seed": 0,
    "nthread": 1,  # the target is one core; a worker serves one case at a time anyway
}
ROUNDS = 300
PRIOR_CASES = 5  # the baseline's smoothing: a type seen once is mostly the city's rate
REASONS = 3


class ModelError(ValueError):
    """An artefact that cannot be used: missing, altered, or of another schema."""


@dataclass
class Baseline:
    """The breach rate of each category in the training data (smoothed toward the overall)."""

    rates: dict[str, float]
    overall: float

    @classmethod
    def fit(cls, cases: Sequence[Labelled]) -> Baseline:
        """The smoothed rate per category."""
        seen: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for case in cases:
            seen[case.filing.category][0] += int(case.breached)
            seen[case.filing.category][1] += 1
        overall = sum(c.breached for c in cases) / len(cases) if cases else 0.0
        rates = {k: (b + overall * PRIOR_CASES) / (n + PRIOR_CASES) for k, (b, n) in seen.items()}
        return cls(rates, overall)

    def predict(self, filings: Sequence[Filing]) -> list[float]:
        """Each filing's category rate (the overall rate for a category never seen)."""
        return [self.rates.get(f.category, self.overall) for f in filings]


@dataclass
class Model:
    """A trained model with everything needed to use and to audit it."""

    booster: xgb.Booster
    vocab: Vocabulary
    meta: dict[str, Any]

    @property
    def id(self) -> str:
        """The artefact's content hash."""
        return str(self.meta["id"])

    def matrix(self, filings: Sequence[Filing]) -> xgb.DMatrix:
        """The filings as the model's input."""
        rows = np.array([vector(f, self.vocab) for f in filings], dtype=np.float32)
        return xgb.DMatrix(rows.reshape(len(filings), len(FEATURES)), feature_names=list(FEATURES))

    def predict(self, filings: Sequence[Filing]) -> np.ndarray:
        """The breach probability of each filing."""
        return self.booster.predict(self.matrix(filings))

    def explain(self, filing: Filing) -> tuple[float, list[tuple[str, float]]]:
        """One filing's probability and its top reasons: xgboost's own contributions to the
        log-odds (pred_contribs), largest first, each named with the filing's value. The
        contributions and the bias add up to the log-odds, so one prediction gives both."""
        contributions = self.booster.predict(self.matrix([filing]), pred_contribs=True)[0]
        probability = 1.0 / (1.0 + math.exp(-float(contributions.sum())))
        named = contributions[: len(FEATURES)]
        top = sorted(range(len(FEATURES)), key=lambda i: (-abs(named[i]), i))[:REASONS]
        return probability, [
            (describe(FEATURES[i], filing), round(float(named[i]), 2)) for i in top
        ]


def train(cases: Sequence[Labelled], until: datetime, source: str) -> Model:
    """A model of the cases filed before `until`, with its metrics on those from `until`."""
    before = [c for c in cases if c.filing.filed_at < until]
    after = [c for c in cases if c.filing.filed_at >= until]
    if len(before) < 100 or len({c.breached for c in before}) < 2:
        raise ModelError(
            f"only {len(before)} cases before {until:%Y-%m-%d}, or no breaches among them: "
            "too few to train on"
        )
    vocab = Vocabulary.learn([c.filing for c in before])
    model = Model(xgb.Booster(), vocab, {})
    labels = np.array([c.breached for c in before], dtype=np.float32)
    matrix = model.matrix([c.filing for c in before])
    matrix.set_label(labels)
    model.booster = xgb.train(PARAMS, matrix, ROUNDS)
    baseline = Baseline.fit(before)
    model.meta = {
        "schema": list(FEATURES),
        "vocabulary": vocab.as_json(),
        "source": source,
        "window": {
            "from": min(c.filing.filed_at for c in before).isoformat(),
            "until": until.isoformat(),
        },
        "training_cases": len(before),
        "training_breach_rate": round(float(labels.mean()), 4),
        "baseline": {"rates": baseline.rates, "overall": baseline.overall},
        "xgboost": xgb.__version__,
        "params": {**PARAMS, "rounds": ROUNDS},
        "holdout": evaluate(model, baseline, after) if after else None,
    }
    model.meta["id"] = _content_id(model)
    return model


def evaluate(model: Model, baseline: Baseline, cases: Sequence[Labelled]) -> dict[str, Any]:
    """The model's scores and the baseline's, on the same cases."""
    labels = [float(c.breached) for c in cases]
    filings = [c.filing for c in cases]
    return {
        "model": scores(labels, model.predict(filings).tolist()),
        "baseline": scores(labels, baseline.predict(filings)),
    }


def baseline_of(model: Model) -> Baseline:
    """The type baseline the model was trained beside."""
    b = model.meta["baseline"]
    return Baseline(dict(b["rates"]), float(b["overall"]))


def _model_bytes(booster: xgb.Booster) -> bytes:
    return bytes(booster.save_raw(raw_format="json"))


def _content_id(model: Model) -> str:
    meta = {k: v for k, v in model.meta.items() if k != "id"}
    digest = hashlib.sha256(_model_bytes(model.booster))
    digest.update(json.dumps(meta, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def save(model: Model, out: Path) -> Path:
    """Write the artefact under `out/<id>/`; its directory."""
    where = out / model.id
    where.mkdir(parents=True, exist_ok=True)
    (where / "model.json").write_bytes(_model_bytes(model.booster))
    (where / "artefact.json").write_text(json.dumps(model.meta, indent=2, sort_keys=True))
    return where


def load(where: Path) -> Model:
    """Read an artefact, checking it is whole: its id must be the hash of what it holds."""
    try:
        meta = json.loads((where / "artefact.json").read_text())
        booster = xgb.Booster()
        booster.load_model(bytearray((where / "model.json").read_bytes()))
    except (OSError, ValueError, xgb.core.XGBoostError) as exc:
        raise ModelError(f"{where}: not a readable model artefact ({exc})") from None
    if meta.get("schema") != list(FEATURES):
        raise ModelError(f"{where}: trained on other features than this version computes")
    booster.set_param({"nthread": 1})
    model = Model(booster, Vocabulary(meta["vocabulary"]), meta)
    if _content_id(model) != meta.get("id"):
        raise ModelError(f"{where}: its content does not match its id {meta.get('id')!r}")
    return model
