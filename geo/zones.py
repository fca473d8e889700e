"""Spatial index that assigns a (lat, lon) to the ward containing it, fast and deterministically.

How it works: every ward is repaired (`geo.repair`: made valid, 2-D, polygonal parts only) and
projected once into a local equirectangular frame in metres centred on the city, so distances
are real metres and grid cells are square on the ground. A uniform grid is laid over the city:

* a *pure* cell lies entirely in the interior of exactly one ward and answers with no geometry
  test at all (a list lookup);
* a *boundary* cell keeps the short, sorted list of wards touching it, tested with prepared
  geometries (`shapely.intersects_xy`, boundary counts as inside);
* an *empty* cell (and anything off the grid) goes to the nearest-ward fallback.

A point inside two wards (shared boundary, sliver overlap) is a TIE: the ward the point is
deepest in wins, then the lowest ward id in natural order. Wards are sorted by natural id at
construction, so results never depend on input order.
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import shapely

from geo.geojson import WardShape
from geo.repair import polygonal, repair

__all__ = ["EARTH_RADIUS_M", "Location", "Match", "ZoneIndex", "haversine_m", "natural_key"]

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius
_M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0
_CELLS_PER_WARD_SIDE = 12.0  # grid cell edge = sqrt(mean ward area) / this
_MAX_CELLS = 1 << 18  # caps build time/memory for maps with thousands of tiny polygons
_TIE_DEPTH_TOL_M = 1e-6  # depths closer than a micrometre are treated as equal
_SAMPLE_TRIES = 10_000
_DIGITS = re.compile(r"([0-9]+)")


class Match(StrEnum):
    """How a location was assigned to a ward (a `str`: `Match.TIE == "tie"`)."""

    INSIDE = "inside"
    TIE = "tie"
    NEAREST = "nearest"
    OUTSIDE = "outside"


@dataclass(frozen=True)
class Location:
    """Result of `ZoneIndex.locate`: the ward (or None), how it matched, and distance in metres."""

    ward_id: str | None
    match: Match
    distance_m: float
    candidates: tuple[str, ...] = ()


def natural_key(ward_id: str) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """Sort key ordering ids naturally ("2" < "10" < "10A" < "B"); total and deterministic."""
    parts = tuple(
        (0, int(tok), "") if tok.isascii() and tok.isdigit() else (1, 0, tok.casefold())
        for tok in _DIGITS.split(ward_id)
        if tok
    )
    return parts, ward_id


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (spherical Earth)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _coordinate_error(lat: float, lon: float) -> str:
    """Human-readable reason a (lat, lon) pair was rejected."""
    problems = []
    for label, value, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if not math.isfinite(value):
            problems.append(f"{label} must be a finite number, got {value!r}")
        elif not -limit <= value <= limit:
            problems.append(f"{label} must be within [-{limit:g}, {limit:g}], got {value!r}")
    return "; ".join(problems) or f"invalid coordinates lat={lat!r}, lon={lon!r}"


class ZoneIndex:
    """Point-to-ward lookup over a set of ward polygons; immutable and safe for concurrent reads."""

    def __init__(self, wards: Iterable[WardShape], *, nearest_max_m: float = 250.0) -> None:
        if not nearest_max_m >= 0.0:  # also rejects NaN
            raise ValueError(f"nearest_max_m must be >= 0, got {nearest_max_m!r}")
        ordered = sorted(wards, key=lambda w: natural_key(w.ward_id))
        if not ordered:
            raise ValueError("ZoneIndex needs at least one ward")
        ids = [w.ward_id for w in ordered]
        dupes = sorted((i for i, n in Counter(ids).items() if n > 1), key=natural_key)
        if dupes:
            raise ValueError(f"duplicate ward ids: {dupes}")

        lonlat = np.empty(len(ordered), dtype=object)
        for i, ward in enumerate(ordered):
            geom = repair(ward.geometry)
            if geom.is_empty or geom.area <= 0.0:
                raise ValueError(f"ward {ward.ward_id!r} has no polygonal area after repair")
            lonlat[i] = geom

        self._nearest_max_m = float(nearest_max_m)
        self._ids: tuple[str, ...] = tuple(ids)
        self._pos = {wid: i for i, wid in enumerate(ids)}
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(lonlat))
        self._bounds = (minx, miny, maxx, maxy)

        # Local equirectangular frame in metres, centred on the city.
        self._lon0 = (minx + maxx) / 2.0
        self._lat0 = (miny + maxy) / 2.0
        self._ky = _M_PER_DEG
        self._kx = _M_PER_DEG * math.cos(math.radians(self._lat0))
        origin = np.array([self._lon0, self._lat0])
        scale = np.array([self._kx, self._ky])
        local = shapely.transform(lonlat, lambda c: (c - origin) * scale)
        bad = ~shapely.is_valid(local)
        if bad.any():  # scaling can, very rarely, round a near-degenerate ring into invalidity
            local[bad] = [polygonal(g) for g in shapely.make_valid(local[bad])]
        self._geoms = local
        self._boundaries = shapely.boundary(local)
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)
        self._lock = threading.Lock()
        self._inside = tuple(Location(wid, Match.INSIDE, 0.0) for wid in ids)
        self._build_grid()
        self._warm_up()

    # ------------------------------------------------------------------ construction

    def _build_grid(self) -> None:
        """Classify grid cells as pure (one ward), boundary (candidate list) or empty."""
        geoms = self._geoms
        n_wards = len(geoms)
        gx0, gy0, gx1, gy1 = (float(v) for v in shapely.total_bounds(geoms))
        width, height = max(gx1 - gx0, 1e-3), max(gy1 - gy0, 1e-3)
        mean_area = float(shapely.area(geoms).sum()) / n_wards
        cell = math.sqrt(mean_area) / _CELLS_PER_WARD_SIDE
        cell = max(cell, math.sqrt(width * height / _MAX_CELLS), 1e-3)
        nx = int(width / cell) + 1  # +1: the max edge of the bbox is always on the grid
        ny = int(height / cell) + 1
        n_cells = nx * ny

        col = np.arange(nx, dtype=np.float64)
        row = np.arange(ny, dtype=np.float64)
        x_lo = np.tile(gx0 + col * cell, ny)
        y_lo = np.repeat(gy0 + row * cell, nx)
        eps = cell * 1e-6  # classify slightly enlarged boxes: robust to rounding at cell edges
        boxes = shapely.box(x_lo - eps, y_lo - eps, x_lo + cell + eps, y_lo + cell + eps)
        grid_tree = shapely.STRtree(boxes)

        # Cells crossed (or touched) by a ward boundary.
        b_ward, b_cell = grid_tree.query(self._boundaries, predicate="intersects")
        b_key = b_ward.astype(np.int64) * n_cells + b_cell

        # Cells whose centre is inside a ward (and not crossed by it) lie wholly inside it.
        cx_all = x_lo + cell / 2.0
        cy_all = y_lo + cell / 2.0
        i_keys = []
        for w, (bx0, by0, bx1, by1) in enumerate(shapely.bounds(geoms)):
            c0 = max(0, int((bx0 - gx0) / cell))
            c1 = min(nx - 1, int((bx1 - gx0) / cell))
            r0 = max(0, int((by0 - gy0) / cell))
            r1 = min(ny - 1, int((by1 - gy0) / cell))
            sub = (np.arange(r0, r1 + 1)[:, None] * nx + np.arange(c0, c1 + 1)[None, :]).ravel()
            inside = shapely.contains_xy(geoms[w], cx_all[sub], cy_all[sub])
            i_keys.append(w * n_cells + sub[inside])
        i_key = np.concatenate(i_keys) if i_keys else np.empty(0, np.int64)
        i_key = i_key[~np.isin(i_key, b_key)]

        keys = np.unique(np.concatenate([b_key, i_key]))  # sorted by (ward, cell)
        ward_of, cell_of = np.divmod(keys, n_cells)
        count = np.bincount(cell_of, minlength=n_cells)
        i_ward, i_cell = np.divmod(i_key, n_cells)
        pure = np.zeros(n_cells, dtype=bool)
        pure[i_cell[count[i_cell] == 1]] = True

        owner = np.full(n_cells, -1, dtype=np.int64)
        pure_cells = i_cell[pure[i_cell]]
        owner[pure_cells] = i_ward[pure[i_cell]]

        mixed = (count > 0) & ~pure
        sel = mixed[cell_of]
        m_cell, m_ward = cell_of[sel], ward_of[sel]
        order = np.lexsort((m_ward, m_cell))
        m_cell, m_ward = m_cell[order], m_ward[order]
        starts = np.flatnonzero(np.r_[True, m_cell[1:] != m_cell[:-1]]).tolist()
        ends = [*starts[1:], m_cell.size]
        if not m_cell.size:  # no boundary cells at all (cannot happen with real polygons)
            starts, ends = [], []
        slots: dict[tuple[int, ...], int] = {}
        cand: list[tuple[tuple[int, ...], np.ndarray]] = []
        for s, e in zip(starts, ends, strict=True):
            members = tuple(int(w) for w in m_ward[s:e])
            slot = slots.get(members)
            if slot is None:
                slot = slots[members] = len(cand)
                cand.append((members, geoms[list(members)]))
            owner[m_cell[s]] = -2 - slot

        self._gx0, self._gy0 = gx0, gy0
        self._nx, self._ny = nx, ny
        self._inv_cell = 1.0 / cell
        self._owner: list[int] = owner.tolist()
        self._cand = tuple(cand)
        self._grid_stats = {
            "cells": n_cells,
            "pure": int(pure.sum()),
            "boundary": int(mixed.sum()),
            "empty": int((count == 0).sum()),
            "cell_m": cell,
        }

    def _warm_up(self) -> None:
        """Run each prepared geometry's lazy GEOS initialisation now, single-threaded."""
        pts = shapely.point_on_surface(self._geoms)
        xy = shapely.get_coordinates(pts)
        shapely.intersects_xy(self._geoms, xy[:, 0], xy[:, 1])
        self._tree.query_nearest(pts[0])

    # ------------------------------------------------------------------ queries

    def locate(self, lat: float, lon: float) -> Location:
        """The ward containing (lat, lon), else the nearest ward within `nearest_max_m`."""
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # False for NaN too
            raise ValueError(_coordinate_error(lat, lon))
        x = (lon - self._lon0) * self._kx
        y = (lat - self._lat0) * self._ky
        fx = (x - self._gx0) * self._inv_cell
        fy = (y - self._gy0) * self._inv_cell
        if 0.0 <= fx < self._nx and 0.0 <= fy < self._ny:
            slot = self._owner[int(fy) * self._nx + int(fx)]
            if slot >= 0:
                return self._inside[slot]
            if slot < -1:
                return self._resolve(slot, x, y, lat, lon)
        return self._fallback(x, y, lat, lon)

    def _resolve(self, slot: int, x: float, y: float, lat: float, lon: float) -> Location:
        """Test a boundary cell's candidate wards; pick a winner if several contain the point."""
        members, geoms = self._cand[-2 - slot]
        with self._lock:
            hits = shapely.intersects_xy(geoms, x, y)
        found = [w for w, hit in zip(members, hits.tolist(), strict=True) if hit]
        if len(found) == 1:
            return self._inside[found[0]]
        if not found:
            return self._fallback(x, y, lat, lon)
        point = shapely.Point(x, y)
        with self._lock:
            depths = shapely.distance(self._boundaries[found], point).tolist()
        deepest = max(depths)
        winner = next(
            w for w, d in zip(found, depths, strict=True) if d >= deepest - _TIE_DEPTH_TOL_M
        )
        return Location(self._ids[winner], Match.TIE, 0.0, tuple(self._ids[w] for w in found))

    def _fallback(self, x: float, y: float, lat: float, lon: float) -> Location:
        """No ward contains the point: nearest ward if close enough, else OUTSIDE."""
        point = shapely.Point(x, y)
        with self._lock:
            nearest = self._tree.query_nearest(point, all_matches=True)
            w = int(nearest.min())
            line = shapely.shortest_line(self._geoms[w], point)
        nx, ny = shapely.get_coordinates(line)[0]
        distance = haversine_m(lat, lon, ny / self._ky + self._lat0, nx / self._kx + self._lon0)
        if distance <= self._nearest_max_m:
            return Location(self._ids[w], Match.NEAREST, distance)
        return Location(None, Match.OUTSIDE, distance)

    @property
    def ward_ids(self) -> tuple[str, ...]:
        """All ward ids, in natural order."""
        return self._ids

    def bounds(self) -> tuple[float, float, float, float]:
        """Bounding box of all (repaired) wards: (minlon, minlat, maxlon, maxlat)."""
        return self._bounds

    def random_point_in(self, ward_id: str, rng: random.Random) -> tuple[float, float]:
        """A uniformly random (lat, lon) that `locate` assigns to `ward_id` with Match.INSIDE."""
        try:
            w = self._pos[ward_id]
        except KeyError:
            raise KeyError(f"unknown ward id {ward_id!r}") from None
        geom = self._geoms[w]
        bx0, by0, bx1, by1 = geom.bounds
        for _ in range(_SAMPLE_TRIES):
            x = bx0 + (bx1 - bx0) * rng.random()
            y = by0 + (by1 - by0) * rng.random()
            with self._lock:
                inside = bool(shapely.contains_xy(geom, x, y))
            if not inside:
                continue
            lat, lon = y / self._ky + self._lat0, x / self._kx + self._lon0
            loc = self.locate(lat, lon)
            if loc.match is Match.INSIDE and loc.ward_id == ward_id:
                return lat, lon
        raise ValueError(f"ward {ward_id!r}: no point found that lies only in this ward")

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        s = self._grid_stats
        return (
            f"ZoneIndex({len(self)} wards, grid {self._nx}x{self._ny} of {s['cell_m']:.0f} m: "
            f"{s['pure']} pure, {s['boundary']} boundary, {s['empty']} empty cells)"
        )
