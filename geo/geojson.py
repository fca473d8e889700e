"""Read ward polygons from GeoJSON FeatureCollections, with an optional ward->zone CSV lookup."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

__all__ = ["WardFileError", "WardShape", "normalise_id", "read_wards"]

_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
_INTEGRAL_DECIMAL = re.compile(r"^[+-]?[0-9]+\.0*$")


class WardFileError(ValueError):
    """A ward file or zone lookup file cannot be used; the message says which and why."""


@dataclass(frozen=True)
class WardShape:
    """One ward as read from a file: identifier, name, zone and its GeoJSON geometry."""

    ward_id: str
    name: str
    zone: str | None
    geometry: dict


def normalise_id(value: object) -> str | None:
    """Canonical text for an identifier: integral floats lose ".0", text is stripped.

    `2.0`, `"2.0"`, `2` and `" 2 "` all become `"2"`; `None`, `""`, NaN and booleans give None.
    Leading zeros in text ("007") are kept: they may be significant in a code.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    if not text:
        return None
    if _INTEGRAL_DECIMAL.match(text):
        return str(int(text.split(".", 1)[0]))
    return text


def _load_json(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise WardFileError(f"{path}: ward file not found") from None
    except IsADirectoryError:
        raise WardFileError(f"{path}: is a directory, not a ward file") from None
    except OSError as exc:
        raise WardFileError(f"{path}: cannot read ward file ({exc.strerror})") from None
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WardFileError(f"{path}: not valid JSON ({exc})") from None


def _check_geometry(path: Path, index: int, ward_id: str, geometry: object) -> dict:
    """Return the geometry mapping if it holds polygonal area, else raise WardFileError."""
    where = f"{path}: feature {index} (ward {ward_id!r})"
    if not isinstance(geometry, Mapping) or not geometry:
        raise WardFileError(f"{where} has no polygonal geometry (geometry is {geometry!r:.40})")
    gtype = geometry.get("type")
    if gtype == "GeometryCollection":
        parts = geometry.get("geometries") or []
        if not any(isinstance(p, Mapping) and p.get("type") in _POLYGONAL for p in parts):
            raise WardFileError(f"{where} has no polygonal geometry (GeometryCollection)")
    elif gtype not in _POLYGONAL:
        raise WardFileError(f"{where} has no polygonal geometry (type {gtype!r})")
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise WardFileError(f"{where} has a malformed {gtype} geometry ({exc})") from None
    if geom.is_empty:
        raise WardFileError(f"{where} has no polygonal geometry (empty {gtype})")
    if not math.isfinite(float(shapely.area(geom))):
        raise WardFileError(f"{where} has non-finite coordinates")
    return dict(geometry)


def read_zone_lookup(
    path: str | Path, *, ward_column: str = "Ward No", zone_column: str = "BBMP Zone Name"
) -> dict[str, str]:
    """Read a ward->zone CSV into {normalised ward id: zone}; blank zones are skipped."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            for column in (ward_column, zone_column):
                if column not in columns:
                    raise WardFileError(
                        f"{path}: zone lookup has no column {column!r} (columns: {columns})"
                    )
            lookup: dict[str, str] = {}
            for line_no, row in enumerate(reader, start=2):
                ward = normalise_id(row.get(ward_column))
                zone = normalise_id(row.get(zone_column))
                if ward is None or zone is None:
                    continue
                if lookup.setdefault(ward, zone) != zone:
                    raise WardFileError(
                        f"{path}: line {line_no}: ward {ward!r} is given two zones "
                        f"({lookup[ward]!r} and {zone!r})"
                    )
    except FileNotFoundError:
        raise WardFileError(f"{path}: zone lookup file not found") from None
    except UnicodeDecodeError as exc:
        raise WardFileError(f"{path}: zone lookup is not UTF-8 text ({exc})") from None
    except csv.Error as exc:
        raise WardFileError(f"{path}: zone lookup is not valid CSV ({exc})") from None
    return lookup


def read_wards(
    path: str | Path,
    *,
    ward_field: str,
    name_field: str | None = None,
    zone_field: str | None = None,
    zone_lookup: str | Path | None = None,
    lookup_ward_column: str = "Ward No",
    lookup_zone_column: str = "BBMP Zone Name",
) -> list[WardShape]:
    """Read every feature of a GeoJSON FeatureCollection as a WardShape, in file order.

    The zone comes from the feature's `zone_field` when present and non-blank, else from the
    `zone_lookup` CSV keyed by the normalised ward id, else None.
    """
    path = Path(path)
    data = _load_json(path)
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, Mapping) else type(data).__name__
        raise WardFileError(f"{path}: not a GeoJSON FeatureCollection (type is {found!r})")
    features = data.get("features")
    if not isinstance(features, list):
        raise WardFileError(f"{path}: FeatureCollection has no 'features' list")
    lookup = (
        read_zone_lookup(
            zone_lookup, ward_column=lookup_ward_column, zone_column=lookup_zone_column
        )
        if zone_lookup is not None
        else {}
    )

    wards: list[WardShape] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        if not isinstance(feature, Mapping):
            raise WardFileError(f"{path}: feature {index} is not a JSON object")
        props = feature.get("properties")
        props = props if isinstance(props, Mapping) else {}
        ward_id = normalise_id(props.get(ward_field))
        if ward_id is None:
            state = "is blank" if ward_field in props else "is missing"
            raise WardFileError(
                f"{path}: feature {index}: ward field {ward_field!r} {state} "
                f"(properties: {sorted(props)[:12]})"
            )
        if ward_id in seen:
            raise WardFileError(
                f"{path}: duplicate ward id {ward_id!r} in field {ward_field!r} "
                f"(features {seen[ward_id]} and {index})"
            )
        seen[ward_id] = index
        geometry = _check_geometry(path, index, ward_id, feature.get("geometry"))
        name = normalise_id(props.get(name_field)) if name_field else None
        zone = normalise_id(props.get(zone_field)) if zone_field else None
        if zone is None:
            zone = lookup.get(ward_id)
        wards.append(WardShape(ward_id=ward_id, name=name or "", zone=zone, geometry=geometry))
    if not wards:
        raise WardFileError(f"{path}: FeatureCollection has no features")
    for label, field in (("name", name_field), ("zone", zone_field)):
        if field and not any(
            isinstance(f.get("properties"), Mapping) and field in f["properties"] for f in features
        ):
            raise WardFileError(f"{path}: {label} field {field!r} is not in any feature")
    return wards
