"""A city retrains on its own cases: the projection as filings and verdicts, no leakage."""

from __future__ import annotations

from datetime import date, datetime

from stats_helpers import record_all, varied_cases
from stats_helpers import stats_city as stats_city  # fixture

from records.riskhistory import read_history
from risk import model as risk_model

FIRST, LAST = date(2026, 6, 1), date(2026, 8, 31)


async def test_the_projection_gives_each_decided_case_its_verdict_and_its_filing(stats_city):
    cases = varied_cases(stats_city, FIRST, LAST, seed=21)
    await record_all(cases)
    history = await read_history(stats_city.slug)
    by_id = {c.case_id: c for c in history}
    for state in cases:
        found = by_id.get(state.complaint.tracking_id)
        decided = state.status.value in ("RESOLVED", "CLOSED") or state.sla_breaches
        assert (found is not None) == bool(decided), state.status
        if found is None:
            continue
        late = state.resolved_at is not None and state.resolved_at > state.sla_due_at
        assert found.breached == late
        assert found.filing.category == state.complaint.category
        assert found.filing.area == (state.assignment.ward_id if state.assignment else "")
    ordered = [c.filing.filed_at for c in history]
    assert ordered == sorted(ordered)


async def test_a_city_trains_a_model_on_its_own_cases(stats_city):
    for seed in range(6):
        await record_all(varied_cases(stats_city, FIRST, LAST, seed=30 + seed))
    history = await read_history(stats_city.slug)
    assert len(history) > 180 and {c.breached for c in history} == {True, False}
    trained = risk_model.train(history, datetime(2026, 8, 10), "civicops")
    assert trained.meta["source"] == "civicops" and trained.meta["holdout"]["model"]["cases"]


def test_training_on_a_city_with_too_few_decided_cases_says_so(database, tmp_path):
    from click.testing import CliRunner

    from cli.main import cli

    args = ["model", "train", "--format", "civicops", "--city", "nowhere", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "too few to train on" in result.output
