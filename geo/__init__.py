"""Ward geometry: read ward polygons from GeoJSON and map (lat, lon) points to wards."""

from geo.geojson import DuplicateWardIds, WardFile, WardFileError, WardShape, read_wards
from geo.zones import Location, Match, ZoneIndex

__all__ = [
    "DuplicateWardIds",
    "Location",
    "Match",
    "WardFile",
    "WardFileError",
    "WardShape",
    "ZoneIndex",
    "read_wards",
]
