"""The breach-risk model on real Boston 311 cases: no leakage, honest scores, sealed artefacts."""

from __future__ import annotations

import csv
import json
import math
import random
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from risk_helpers import slice_of

from cli.main import cli
from risk import boston, metrics
from risk import model as risk_model
from risk.features import FEATURES, Vocabulary, vector


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[risk_model.Model, Path]:
    """A model of April 2015 (about 6,300 cases), tested on May's first fortnight."""
    where = tmp_path_factory.mktemp("risk")
    data = slice_of(where, 9000)
    cases = boston.read(data)
    return risk_model.train(cases, datetime(2015, 5, 1), "boston"), data


def _rewrite(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_features_do_not_move_when_what_is_known_only_later_changes(tmp_path):
    data = slice_of(tmp_path, 3000)
    with data.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    before = {c.case_id: c for c in boston.read(data)}
    vocab = Vocabulary.learn([c.filing for c in before.values()])
    rnd = random.Random(3)
    # Status, closure reason and verdict of 200 cases at once: nobody's features move.
    picked = rnd.sample(range(len(rows)), 200)
    changed = [dict(r) for r in rows]
    for i in picked:
        changed[i].update(
            CASE_STATUS="Open" if rows[i]["CASE_STATUS"] == "Closed" else "Closed",
            CLOSURE_REASON="changed after the fact",
            OnTime_Status={"OVERDUE": "ONTIME", "ONTIME": "OVERDUE"}.get(
                rows[i]["OnTime_Status"], ""
            ),
        )
    after = {c.case_id: c for c in boston.read(_rewrite(tmp_path / "a.csv", changed))}
    assert set(after) == set(before)
    assert all(vector(after[k].filing, vocab) == vector(c.filing, vocab) for k, c in before.items())
    assert sum(after[k].breached != c.breached for k, c in before.items()) == len(
        {rows[i]["CASE_ENQUIRY_ID"] for i in picked} & set(before)
    )
    # A case's close time, one case at a time: its own features and those of every case
    # filed before it stay. (Cases filed later may see one fewer open in the backlog: whether
    # an earlier case was still open is known when they are filed.)
    for i in rnd.sample(range(len(rows)), 4):
        moved = [dict(r) for r in rows]
        moved[i]["CLOSED_DT"] = "12/31/2015 11:59:00 PM" if rows[i]["CLOSED_DT"] else ""
        again = boston.read(_rewrite(tmp_path / f"c{i}.csv", moved))
        filed = datetime.strptime(rows[i]["OPEN_DT"], "%m/%d/%Y %I:%M:%S %p")
        for case in again:
            if case.filing.filed_at <= filed:
                assert vector(case.filing, vocab) == vector(before[case.case_id].filing, vocab)


def test_a_model_of_real_cases_ranks_breaches_better_than_the_type_alone(trained):
    model, _ = trained
    holdout = model.meta["holdout"]
    assert holdout["model"]["cases"] > 1000
    assert holdout["model"]["roc_auc"] > holdout["baseline"]["roc_auc"]
    assert holdout["model"]["brier"] < holdout["baseline"]["brier"]
    assert model.meta["window"]["until"] == "2015-05-01T00:00:00"
    assert model.meta["xgboost"] and model.meta["schema"] == list(FEATURES)


def test_each_prediction_gives_its_reasons_from_xgboosts_own_contributions(trained):
    model, data = trained
    case = boston.read(data)[-1]
    probability, reasons = model.explain(case.filing)
    assert 0 < probability < 1 and len(reasons) == 3
    contributions = model.booster.predict(model.matrix([case.filing]), pred_contribs=True)[0]
    assert math.isclose(sum(contributions), math.log(probability / (1 - probability)), abs_tol=1e-3)
    assert [abs(v) for _, v in reasons] == sorted((abs(v) for _, v in reasons), reverse=True)


def test_an_artefact_reloads_as_itself_and_an_altered_one_is_refused(trained, tmp_path):
    model, _ = trained
    where = risk_model.save(model, tmp_path)
    again = risk_model.load(where)
    assert again.id == model.id == where.name
    meta = json.loads((where / "artefact.json").read_text())
    meta["training_cases"] += 1
    (where / "artefact.json").write_text(json.dumps(meta))
    with pytest.raises(risk_model.ModelError, match="does not match its id"):
        risk_model.load(where)
    (where / "model.json").write_bytes(b"{not a model")
    with pytest.raises(risk_model.ModelError):
        risk_model.load(where)


def test_evaluate_prints_the_model_beside_the_baseline_and_one_json_line(trained, tmp_path):
    model, data = trained
    where = risk_model.save(model, tmp_path)
    result = CliRunner().invoke(
        cli, ["model", "evaluate", "--data", str(data), "--format", "boston", "--model", str(where)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "roc_auc" in result.output and "decile 10" in result.output
    figures = json.loads(lines[-1])
    assert figures["model_id"] == model.id and figures["from"] == "2015-05-01"
    assert figures["model"]["roc_auc"] == model.meta["holdout"]["model"]["roc_auc"]


def test_train_refuses_a_file_that_is_not_boston_311_by_name(tmp_path):
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(
        cli, ["model", "train", "--data", str(bad), "--format", "boston", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "OPEN_DT" in result.output


def test_the_metrics_agree_with_their_definitions_counted_pair_by_pair():
    rnd = random.Random(7)
    labels = [float(rnd.random() < 0.3) for _ in range(300)]
    scores = [round(rnd.random(), 1) for _ in labels]  # many ties
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    pairs = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    assert math.isclose(metrics.roc_auc(labels, scores), pairs / (len(pos) * len(neg)))
    # Average precision over groups of tied scores, as scikit-learn defines it.
    thresholds = sorted(set(scores), reverse=True)
    ap, last_recall = 0.0, 0.0
    for t in thresholds:
        hits = sum(1 for s, y in zip(scores, labels, strict=True) if s >= t and y)
        flagged = sum(1 for s in scores if s >= t)
        recall = hits / len(pos)
        ap += (recall - last_recall) * hits / flagged
        last_recall = recall
    assert math.isclose(metrics.pr_auc(labels, scores), ap)
    assert math.isclose(
        metrics.brier(labels, scores),
        sum((s - y) ** 2 for s, y in zip(scores, labels, strict=True)) / len(labels),
    )
