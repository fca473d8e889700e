"""Benchmark ZoneIndex.locate against a linear scan over all ward polygons on real Bengaluru maps.

Run from the repo root:  python bench/zones.py [--points 20000] [--seed 42]
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from geo import Match, ZoneIndex, read_wards  # noqa: E402

WARDS = REPO.parent / "shared" / "data" / "wards"
FILES = {
    "bengaluru_bbmp_198_wards_2012.geojson": {"ward_field": "WARD_NO"},
    "bengaluru_gba_369_wards_2025.geojson": {"ward_field": "id"},
}
TARGET_MEDIAN_US = 20.0
TARGET_SPEEDUP = 50.0
BATCH = 1000


def city_points(geoms: np.ndarray, n: int, seed: int) -> list[tuple[float, float]]:
    """N seeded uniform random (lat, lon) points inside the union of all wards (the city)."""
    city = shapely.union_all(geoms)
    shapely.prepare(city)
    minx, miny, maxx, maxy = city.bounds
    rng = np.random.default_rng(seed)
    out: list[tuple[float, float]] = []
    while len(out) < n:
        lon = rng.uniform(minx, maxx, 4 * n)
        lat = rng.uniform(miny, maxy, 4 * n)
        keep = shapely.contains_xy(city, lon, lat)
        out.extend(zip(lat[keep].tolist(), lon[keep].tolist(), strict=True))
    return out[:n]


def timer_overhead_ns() -> int:
    """Median cost of an empty perf_counter_ns() pair, subtracted from every sample."""
    clock = time.perf_counter_ns
    samples = []
    for _ in range(20_000):
        t0 = clock()
        samples.append(clock() - t0)
    return int(statistics.median(samples))


def time_each(
    fn: Callable[[float, float], object], points: list, overhead: int
) -> tuple[list[int], list[object]]:
    """Per-call latency in ns and result of fn(lat, lon), measured in batches, GC paused."""
    clock = time.perf_counter_ns
    out: list[int] = []
    results: list[object] = []
    for start in range(0, len(points), BATCH):
        batch = points[start : start + BATCH]
        gc.disable()
        try:
            for lat, lon in batch:
                t0 = clock()
                result = fn(lat, lon)
                out.append(max(0, clock() - t0 - overhead))
                results.append(result)
        finally:
            gc.enable()
    return out, results


def pct(values: list[int], q: float) -> float:
    """q-th percentile of ns samples, in microseconds."""
    return float(np.percentile(values, q)) / 1000.0


def bench_file(name: str, kwargs: dict, n_points: int, seed: int, overhead: int) -> bool:
    """Benchmark one ward file; print a report block and return whether targets are met."""
    wards = read_wards(WARDS / name, **kwargs)
    t0 = time.perf_counter()
    index = ZoneIndex(wards)
    build_s = time.perf_counter() - t0

    # Linear scan baseline: every ward repaired like the index does, *prepared*, tested in turn
    # with shapely.contains_xy, stopping at the first hit.
    geoms = [shapely.make_valid(shapely.force_2d(shape(w.geometry))) for w in wards]
    ids = [w.ward_id for w in wards]
    shapely.prepare(geoms)

    def scan(lat: float, lon: float) -> str | None:
        for ward_id, geom in zip(ids, geoms, strict=True):
            if shapely.contains_xy(geom, lon, lat):
                return ward_id
        return None

    points = city_points(np.array(geoms), n_points, seed)
    for lat, lon in points[:500]:  # warm-up
        index.locate(lat, lon)
        scan(lat, lon)

    t_index, locs = time_each(index.locate, points, overhead)
    t0 = time.perf_counter()
    for lat, lon in points:
        index.locate(lat, lon)
    throughput_us = (time.perf_counter() - t0) / len(points) * 1e6
    t_scan, first_hits = time_each(scan, points, overhead)

    mismatches = 0
    kinds: dict[str, int] = {}
    for loc, hit in zip(locs, first_hits, strict=True):
        kinds[loc.match.value] = kinds.get(loc.match.value, 0) + 1
        if loc.match is Match.INSIDE and loc.ward_id != hit:
            mismatches += 1

    median_idx, p99_idx = pct(t_index, 50), pct(t_index, 99)
    median_scan = pct(t_scan, 50)
    speedup = median_scan / median_idx if median_idx > 0 else float("inf")
    ok_median = median_idx <= TARGET_MEDIAN_US
    ok_speed = speedup >= TARGET_SPEEDUP
    print(f"\n## {name}  ({len(wards)} wards, {len(points)} points inside the city, seed {seed})")
    print(f"  {index!r}")
    print(f"  build                 {build_s:8.3f} s")
    print(
        f"  index  locate         median {median_idx:7.2f} us   p99 {p99_idx:7.2f} us   "
        f"max {max(t_index) / 1000:8.1f} us   mean(loop) {throughput_us:6.2f} us"
    )
    print(
        f"  linear scan (prepared contains_xy, first hit)  median {median_scan:7.1f} us   "
        f"p99 {pct(t_scan, 99):7.1f} us"
    )
    print(f"  speedup (median scan / median index)  {speedup:8.1f}x")
    print(f"  matches {kinds}; index-vs-scan disagreements on INSIDE points: {mismatches}")
    print(
        f"  median <= {TARGET_MEDIAN_US:g} us: {'PASS' if ok_median else 'FAIL'}   "
        f"speedup >= {TARGET_SPEEDUP:g}x: {'PASS' if ok_speed else 'FAIL'}"
    )
    return ok_median and ok_speed and mismatches == 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, benchmark each file, exit 1 if any target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000, help="points per file")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    print(
        f"python {platform.python_version()} on {platform.machine()}, shapely "
        f"{shapely.__version__} (GEOS {shapely.geos_version_string}), numpy {np.__version__}"
    )
    overhead = timer_overhead_ns()
    print(f"perf_counter_ns pair overhead {overhead} ns (subtracted from every sample)")
    results = [bench_file(name, kw, args.points, args.seed, overhead) for name, kw in FILES.items()]
    print("\nOVERALL:", "PASS" if all(results) else "FAIL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
