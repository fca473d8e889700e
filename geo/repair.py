"""Ward geometry repair, done one way everywhere: valid, 2-D, polygonal parts only.

Real ward files have self-intersecting rings, 3-D coordinates (z = 0) and the odd stray line
in a GeometryCollection. Reading a file (`geo.geojson`) and indexing it (`geo.zones`) both use
`repair`, so a ward that is read as having area is indexed with the very same polygon.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

__all__ = ["polygonal", "repair"]


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygonal parts of a (repaired) geometry, as a Polygon or MultiPolygon."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [
        g
        for g in shapely.get_parts(geom)
        if g.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection")
    ]
    polys = []
    for part in parts:
        if part.geom_type == "GeometryCollection":
            part = polygonal(part)
        if not part.is_empty:
            polys.extend(shapely.get_parts(part))
    if not polys:
        return shapely.Polygon()
    return shapely.union_all(polys) if len(polys) > 1 else polys[0]


def repair(geometry: Mapping[str, Any]) -> BaseGeometry:
    """GeoJSON mapping -> valid 2-D Polygon/MultiPolygon (possibly empty)."""
    geom = shapely.force_2d(shape(geometry))
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return polygonal(geom)
