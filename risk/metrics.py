"""How well a risk score ranks and calibrates breaches: ROC-AUC, PR-AUC, Brier, deciles.

Plain numpy, each in O(n log n): ROC-AUC from average ranks (ties count half), PR-AUC as
average precision (the area under the step curve, as scikit-learn computes it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given their average rank."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    ranks = np.empty(len(values))
    starts = np.r_[0, np.flatnonzero(np.diff(ordered)) + 1]
    ends = np.r_[starts[1:], len(values)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2
    return ranks


def roc_auc(labels: Sequence[float], scores: Sequence[float]) -> float:
    """The chance a random breach scores above a random case that did not breach."""
    y, p = np.asarray(labels, bool), np.asarray(scores, float)
    positives, negatives = int(y.sum()), int((~y).sum())
    if not positives or not negatives:
        return float("nan")
    ranks = _ranks(p)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def pr_auc(labels: Sequence[float], scores: Sequence[float]) -> float:
    """Average precision: precision at each breach, averaged over the breaches."""
    y, p = np.asarray(labels, bool), np.asarray(scores, float)
    if not y.any():
        return float("nan")
    order = np.argsort(-p, kind="mergesort")
    y, p = y[order], p[order]
    last = np.r_[np.flatnonzero(np.diff(p)), len(p) - 1]  # the end of each group of ties
    hits = np.cumsum(y)[last]
    precision = hits / (last + 1)
    recall_gain = np.diff(np.r_[0, hits]) / y.sum()
    return float((precision * recall_gain).sum())


def brier(labels: Sequence[float], scores: Sequence[float]) -> float:
    """Mean squared error of the probabilities (lower is better)."""
    y, p = np.asarray(labels, float), np.asarray(scores, float)
    return float(np.mean((p - y) ** 2))


def deciles(labels: Sequence[float], scores: Sequence[float]) -> list[float]:
    """The breach rate in each tenth of the cases, from the highest scores down."""
    y, p = np.asarray(labels, float), np.asarray(scores, float)
    order = np.argsort(-p, kind="mergesort")
    return [
        float(part.mean()) if len(part) else float("nan") for part in np.array_split(y[order], 10)
    ]


def scores(labels: Sequence[float], probabilities: Sequence[float]) -> dict[str, object]:
    """Every figure `civicops model evaluate` prints, for one scorer."""
    return {
        "roc_auc": round(roc_auc(labels, probabilities), 4),
        "pr_auc": round(pr_auc(labels, probabilities), 4),
        "brier": round(brier(labels, probabilities), 4),
        "breach_rate_by_decile": [round(r, 3) for r in deciles(labels, probabilities)],
        "cases": len(labels),
        "breach_rate": round(float(np.mean(labels)), 4) if len(labels) else None,
    }
