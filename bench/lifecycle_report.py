"""The lifecycle benchmark's report: part 1's latency and where it goes, part 2's throughput.

Percentiles interpolate between closest ranks; a case never seen counts as infinitely late.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter

from lifecycle_parts import Measurements

TARGET_P50_S = 1.0
TARGET_P99_S = 2.0


def pct(values: list[float], q: float) -> float:
    """q-th percentile, linear interpolation between closest ranks (inf for missing cases)."""
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    if math.isinf(s[hi]):
        return math.inf
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def fmt_s(value: float) -> str:
    """Seconds with three decimals, or 'never' for a case that never got there."""
    return "never" if math.isinf(value) else f"{value:.3f} s"


async def report(
    bench: Measurements,
    latencies: list[float],
    answered: dict[str, float],
    max_lag: float,
    sides: dict[str, list[float]],
) -> None:
    """Print both parts' results against their targets, and the run's failures."""
    args = bench.args
    print("\n== [1] POST sent -> signed Assignment notice PDF in S3 ==")
    missing = sum(1 for v in latencies if math.isinf(v))
    p50, p99, worst = pct(latencies, 50), pct(latencies, 99), max(latencies, default=math.nan)
    print(
        f"cases {len(latencies)} (filed {len(latencies)} of {args.complaints}; "
        f"not seen within {args.timeout:g} s: {missing}); send schedule lag max "
        f"{max_lag * 1000:.1f} ms; POST answer p50 "
        f"{pct(list(answered.values()), 50) * 1000:.1f} ms{bench.latency_busy}"
    )
    print(
        f"polling resolution: every {args.poll_ms:g} ms per pending case; latency is taken "
        f"when the finding HEAD answers (mean window since the last miss "
        f"{statistics.fmean(bench.window) * 1000 if bench.window else math.nan:.0f} ms)"
    )
    for name, value, target in (("p50", p50, TARGET_P50_S), ("p99", p99, TARGET_P99_S)):
        verdict = "PASS" if value <= target else "FAIL"
        print(f"  {name} {fmt_s(value):>10}  (target <= {target:g} s): {verdict}")
    print(f"  max {fmt_s(worst):>10}")
    fifth = max(1, len(latencies) // 5)
    groups = [latencies[i : i + fifth] for i in range(0, len(latencies), fifth)][:5]
    print(
        "  p50 by fifth of the run, in filing order (rising = the stack fell behind the rate): "
        + " ".join(fmt_s(pct(g, 50)).removesuffix(" s") for g in groups)
        + " s"
    )
    await breakdown(bench)

    print("\n== [2] throughput to NOTICE_ISSUED ==")
    (cw, cn), (bw, bn) = sides["cases"], sides["bare"]
    cases_tp = cn / cw if cw else 0.0
    bare_tp = bn / bw if bw else 0.0
    print(f"  cases {cn:>5} in {cw:7.2f} s = {cases_tp:7.1f}/s   (stack worker, via the API)")
    print(f"  bare  {bn:>5} in {bw:7.2f} s = {bare_tp:7.1f}/s   (this process's worker)")
    ratio = cases_tp / bare_tp if bare_tp else 0.0
    verdict = "PASS" if ratio >= args.target_ratio else "FAIL"
    print(f"  ratio cases / bare: {ratio:.3f}  (target >= {args.target_ratio:g}): {verdict}")
    print(
        "  note: cases run on the stack's worker process (`civicops up`), started through the\n"
        "  API (HTTP + the API process's CPU count against them); the bare workflows run on a\n"
        "  worker inside this benchmark process, which also makes the starts (one event loop\n"
        "  and one GIL for both, against them) but needs no extra process or HTTP hop (for\n"
        "  them). Both use default Worker options and the workflow sandbox."
    )
    if not args.stack_has_pyc:
        print(
            "  note: workflows/complaint.py has no bytecode cache next to it: if the stack's\n"
            "  worker runs under PYTHONDONTWRITEBYTECODE, its sandbox compiles that module\n"
            "  again for every case (this script gives its own bare workflow bytecode)."
        )

    ids = bench.filed.tracking_ids
    dupes = [t for t, c in Counter(ids).items() if c > 1]
    print(
        f"\ntracking ids: {len(ids)} answered, {len(set(ids))} distinct"
        + (f"; REPEATED: {', '.join(dupes[:10])}" if dupes else "")
    )
    for error, count in bench.filed.failures.most_common(5):
        print(f"  POST failure x{count}: {error}")
    for error, count in (bench.bare_failures + bench.s3_errors).most_common(5):
        print(f"  failure x{count}: {error}")


async def breakdown(bench: Measurements) -> None:
    """Split the latency into steps with the case's own timestamps (wall clock, one host)."""
    ids = [t for t in bench.latency_ids if t in bench.latency_seen_wall]
    if not ids:
        return
    lines = await bench.db.timelines(ids)
    steps = (
        ("POST sent -> API filed_at", "sent", "api_filed_at"),
        ("filed_at -> 1st workflow task (filed)", "api_filed_at", "ev:filed"),
        ("record + prioritize (-> prioritized)", "ev:filed", "ev:prioritized"),
        ("record + assign_zone (-> assigned)", "ev:prioritized", "ev:assigned"),
        ("record (-> notice activity scheduled)", "ev:assigned", "notice_issued_at"),
        ("issue_notice: render, sign, S3, row", "notice_issued_at", "notice_created_at"),
        ("notice row -> PDF seen by the poller", "notice_created_at", "seen"),
    )
    print(
        f"where the time goes ({len(ids)} cases; workflow.now() of each step's event, "
        "Notice.issued_at / created_at; ms):"
    )
    print(f"  {'step':<42}{'p50':>8}{'p99':>8}{'max':>8}")
    for label, a, b in steps:
        values = []
        for t in ids:
            marks = {
                **lines.get(t, {}),
                "sent": bench.latency_sent_wall[t],
                "seen": bench.latency_seen_wall[t],
            }
            if a in marks and b in marks:
                values.append((marks[b] - marks[a]) * 1000.0)
        if values:
            print(f"  {label:<42}{pct(values, 50):8.0f}{pct(values, 99):8.0f}{max(values):8.0f}")
