"""Read ward polygons from GeoJSON FeatureCollections, with an optional ward->zone CSV lookup.

Real municipal files are messy: a feature with no ward number (a reserve forest, a lake), a
null geometry, a ward drawn as two features. `read_wards` keeps every feature that can be a
ward and returns a `WardFile` that says which features it skipped and why, numbered from 0 in
file order (`.features[N]` in jq), so an official can check each one against the source.
A ward split over several features is refused unless merging is asked for; parts that name
different zones are refused even then, since a guessed zone sends escalations to the wrong
office.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.repair import polygonal, repair

__all__ = [
    "DuplicateWardIds",
    "MergedWard",
    "SkippedFeature",
    "WardFile",
    "WardFileError",
    "WardShape",
    "normalise_id",
    "read_wards",
]

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


class DuplicateWardIds(WardFileError):
    """Several features carry the same ward id, and merging them was not asked for."""

    def __init__(self, path: Path, field: str, repeated: Mapping[str, list[int]]) -> None:
        self.repeated = dict(repeated)
        (first, numbers), *rest = self.repeated.items()
        message = (
            f"{path}: duplicate ward id {first!r} in field {field!r} (features {_numbers(numbers)})"
        )
        if rest:
            shown = ", ".join(f"{wid!r} ({_numbers(ns)})" for wid, ns in rest[:4])
            more = f" and {len(rest) - 4} more" if len(rest) > 4 else ""
            message += f"; also repeated: {shown}{more}"
        super().__init__(message)


@dataclass(frozen=True)
class SkippedFeature:
    """A feature left out of the import: its number in the file (from 0), its ward id, why."""

    number: int
    ward_id: str | None
    reason: str

    def __str__(self) -> str:
        ward = f" (ward {self.ward_id!r})" if self.ward_id else ""
        return f"feature {self.number}{ward}: {self.reason}"


@dataclass(frozen=True)
class MergedWard:
    """A ward read from several features and merged into one: which features, and what differed."""

    ward_id: str
    features: tuple[int, ...]
    geom_type: str
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        notes = "".join(f"; {n}" for n in self.notes)
        return (
            f"ward {self.ward_id!r}: features {_numbers(self.features)} merged into one "
            f"{self.geom_type}{notes}"
        )


@dataclass(frozen=True)
class WardFile(Sequence[WardShape]):
    """The wards read from one file (a sequence of them), and what was skipped or merged."""

    path: Path
    features: int
    wards: tuple[WardShape, ...]
    skipped: tuple[SkippedFeature, ...] = ()
    merged: tuple[MergedWard, ...] = ()

    @overload
    def __getitem__(self, index: int) -> WardShape: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[WardShape, ...]: ...
    def __getitem__(self, index: int | slice) -> WardShape | tuple[WardShape, ...]:
        return self.wards[index]

    def __len__(self) -> int:
        return len(self.wards)

    def __iter__(self) -> Iterator[WardShape]:
        return iter(self.wards)

    def report(self) -> list[str]:
        """One line per merged ward, then one per skipped feature (features counted from 0)."""
        return [f"merged {m}" for m in self.merged] + [f"skipped {s}" for s in self.skipped]


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
    """The parsed JSON of a ward file, or a WardFileError saying why it cannot be read."""
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


def _geometry_problem(geometry: object) -> tuple[dict, BaseGeometry] | str:
    """The geometry mapping and its repaired polygon, or why the feature has no usable area."""
    if geometry is None:
        return "geometry is null"
    if not isinstance(geometry, Mapping):
        return f"geometry is not a GeoJSON object ({geometry!r:.40})"
    if not geometry:
        return "geometry is an empty object"
    gtype = geometry.get("type")
    if gtype == "GeometryCollection":
        parts = geometry.get("geometries") or []
        if not any(isinstance(p, Mapping) and p.get("type") in _POLYGONAL for p in parts):
            return "geometry is a GeometryCollection with no polygon in it"
    elif gtype not in _POLYGONAL:
        return f"geometry is a {gtype!r:.40}, not a Polygon or MultiPolygon"
    try:
        geom = shape(geometry)
        if geom.is_empty:
            return f"geometry is an empty {gtype}"
        if not math.isfinite(float(shapely.area(geom))):
            return f"{gtype} has non-finite coordinates"
        polygon = repair(geometry)
    except Exception as exc:  # shapely/GEOS raise several types for malformed coordinates
        return f"malformed {gtype} geometry ({exc})"
    if polygon.is_empty or polygon.area <= 0.0:
        return f"{gtype} encloses no area, even after repair"
    return dict(geometry), polygon


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
    merge_duplicates: bool = False,
) -> WardFile:
    """Read a GeoJSON FeatureCollection's wards, skipping the features that cannot be a ward.

    A feature without a ward id or without polygonal area is skipped and reported, never fatal.
    A ward id on several features is refused (`DuplicateWardIds`) unless `merge_duplicates`,
    which unions the parts into one ward. The zone comes from the feature's `zone_field` when
    present and non-blank, else from the `zone_lookup` CSV keyed by the ward id, else None.
    What cannot be mapped at all (not a FeatureCollection, a field in no feature, no usable
    feature) raises WardFileError.
    """
    path = Path(path)
    data = _load_json(path)
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, Mapping) else type(data).__name__
        raise WardFileError(f"{path}: not a GeoJSON FeatureCollection (type is {found!r})")
    features = data.get("features")
    if not isinstance(features, list):
        raise WardFileError(f"{path}: FeatureCollection has no 'features' list")
    if not features:
        raise WardFileError(f"{path}: FeatureCollection has no features")
    _check_fields(path, features, ward=ward_field, name=name_field, zone=zone_field)
    lookup = (
        read_zone_lookup(
            zone_lookup, ward_column=lookup_ward_column, zone_column=lookup_zone_column
        )
        if zone_lookup is not None
        else {}
    )

    parts: dict[str, list[_Part]] = {}
    skipped: list[SkippedFeature] = []
    for number, feature in enumerate(features):
        part = _read_feature(number, feature, ward_field, name_field, zone_field, lookup)
        if isinstance(part, SkippedFeature):
            skipped.append(part)
        else:
            parts.setdefault(part.ward_id, []).append(part)
    if not parts:
        listed = "; ".join(str(s) for s in skipped[:3])
        raise WardFileError(
            f"{path}: none of the {len(features)} features has both a ward id in "
            f"{ward_field!r} and a polygon, so there is nothing to import ({listed}"
            f"{'; ...' if len(skipped) > 3 else ''})"
        )

    repeated = {wid: [p.number for p in ps] for wid, ps in parts.items() if len(ps) > 1}
    if repeated and not merge_duplicates:
        raise DuplicateWardIds(path, ward_field, repeated)
    conflicts = [c for wid in repeated if (c := _zone_conflict(wid, parts[wid]))]
    if conflicts:
        more = f"; and {len(conflicts) - 3} more wards like these" if len(conflicts) > 3 else ""
        raise WardFileError(
            f"{path}: {'; '.join(conflicts[:3])}{more}. A ward belongs to one zone: "
            "correct the zone of the wrong part in the file, then import again"
        )
    wards, merged = [], []
    for ward_id, ward_parts in parts.items():
        if len(ward_parts) == 1:
            wards.append(ward_parts[0].shape())
        else:
            ward, note = _merge(ward_id, ward_parts)
            wards.append(ward)
            merged.append(note)
    return WardFile(path, len(features), tuple(wards), tuple(skipped), tuple(merged))


@dataclass(frozen=True)
class _Part:
    """One usable feature: a ward, or one part of a ward split over several features."""

    number: int
    ward_id: str
    name: str
    zone: str | None
    geometry: dict
    polygon: BaseGeometry

    def shape(self) -> WardShape:
        """This feature alone as a ward, its geometry as written in the file."""
        return WardShape(self.ward_id, self.name, self.zone, self.geometry)


def _check_fields(path: Path, features: list, **fields: str | None) -> None:
    """Refuse a ward, name or zone field that no feature has: it is surely misspelt."""
    present: set[str] = set()
    for feature in features:
        props = feature.get("properties") if isinstance(feature, Mapping) else None
        if isinstance(props, Mapping):
            present.update(props)
    for label, field in fields.items():
        if field and field not in present:
            raise WardFileError(
                f"{path}: {label} field {field!r} is not in any feature (the "
                f"{len(features)} features have: {sorted(present)[:20]})"
            )


def _read_feature(
    number: int, feature: object, ward_field: str, name_field: str | None,
    zone_field: str | None, lookup: Mapping[str, str],
) -> _Part | SkippedFeature:  # fmt: skip
    """One feature as a ward part, or the reason it is skipped (every reason, not the first)."""
    if not isinstance(feature, Mapping):
        return SkippedFeature(number, None, f"is a {type(feature).__name__}, not a JSON object")
    props = feature.get("properties")
    props = props if isinstance(props, Mapping) else {}
    raw = props.get(ward_field)
    ward_id = None if isinstance(raw, Mapping | list) else normalise_id(raw)
    reasons = []
    if ward_id is None:
        if ward_field not in props:
            reasons.append(f"has no {ward_field!r} property")
        elif raw is None:
            reasons.append(f"{ward_field!r} is null")
        elif isinstance(raw, str) and not raw.strip():
            reasons.append(f"{ward_field!r} is blank")
        else:
            reasons.append(f"{ward_field!r} is not a usable ward id ({raw!r:.40})")
    checked = _geometry_problem(feature.get("geometry"))
    if isinstance(checked, str):
        reasons.append(checked)
    if reasons or ward_id is None or isinstance(checked, str):
        return SkippedFeature(number, ward_id, "; ".join(reasons))
    name = normalise_id(props.get(name_field)) if name_field else None
    zone = normalise_id(props.get(zone_field)) if zone_field else None
    if zone is None:
        zone = lookup.get(ward_id)
    return _Part(number, ward_id, name or "", zone, *checked)


def _zone_conflict(ward_id: str, parts: list[_Part]) -> str | None:
    """Why a ward's parts cannot be merged (they name different zones), else None."""
    zones = {p.zone for p in parts if p.zone is not None}
    if len(zones) < 2:
        return None
    each = ", ".join(f"{p.zone!r} in feature {p.number}" for p in parts if p.zone is not None)
    return f"ward {ward_id!r} is split over features {_numbers(parts)} in different zones ({each})"


def _merge(ward_id: str, parts: list[_Part]) -> tuple[WardShape, MergedWard]:
    """The union of a ward's parts (repaired), named after its first part."""
    union = polygonal(shapely.union_all([p.polygon for p in parts]))
    geometry = json.loads(shapely.to_geojson(union))
    name = next((p.name for p in parts if p.name), "")
    zone = next((p.zone for p in parts if p.zone is not None), None)
    notes = tuple(
        f"name {p.name!r} of feature {p.number} dropped for {name!r}"
        for p in parts
        if p.name and p.name != name
    )
    merged = MergedWard(ward_id, tuple(p.number for p in parts), union.geom_type, notes)
    return WardShape(ward_id, name, zone, geometry), merged


def _numbers(items: Sequence[_Part] | Sequence[int]) -> str:
    """'3', '3 and 9' or '3, 9 and 12': feature numbers as a person writes them."""
    nums = [str(i if isinstance(i, int) else i.number) for i in items]
    return nums[0] if len(nums) == 1 else f"{', '.join(nums[:-1])} and {nums[-1]}"
