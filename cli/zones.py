"""`civicops zones`: import a city's ward boundaries from a GeoJSON file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from cli import common


@click.group()
def zones() -> None:
    """Ward and zone boundaries."""


@zones.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--city", required=True, help="City slug, e.g. bengaluru, mumbai, pune.")
@click.option("--ward-field", required=True, help="Feature property holding the ward id.")
@click.option("--zone-field", help="Feature property holding the zone name.")
@click.option("--name-field", help="Feature property holding the ward name.")
@click.option(
    "--zone-lookup",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV mapping ward ids to zone names.",
)
@click.option("--lookup-ward-column", default="Ward No", show_default=True)
@click.option("--lookup-zone-column", default="BBMP Zone Name", show_default=True)
@click.option(
    "--merge-duplicates",
    is_flag=True,
    help="Join features that share a ward id into one ward (a ward drawn in several parts).",
)
@click.option("--code", help="Three-letter city code for tracking ids (new cities).")
@click.option("--name", "city_name", help="City name (new cities).")
@click.option("--corporation", help="Issuing corporation (new cities).")
@click.option("--language", help="Local language code for notices, e.g. kn, mr, hi.")
@click.option("--attribution", default="", help="Credit line of the boundaries (licence).")
@click.option("--no-roster", is_flag=True, help="Do not create one supervisor per ward.")
def zones_import(
    file: Path, city: str, ward_field: str, zone_field: str | None, name_field: str | None,
    zone_lookup: Path | None, lookup_ward_column: str, lookup_zone_column: str,
    merge_duplicates: bool, code: str | None, city_name: str | None, corporation: str | None,
    language: str | None, attribution: str, no_roster: bool,
) -> None:  # fmt: skip
    """Import (or update) a city's wards from a GeoJSON file; safe to repeat.

    Features with no ward id or no polygon are skipped and listed by number (from 0, in file
    order); the rest are imported.
    """
    from domain.cities import spec_for
    from geo.geojson import DuplicateWardIds, WardFileError, read_wards
    from records.geography import import_city

    # var/ holds the database (citizens' contact details) and keys: owner only.
    common.settings()
    try:
        spec = spec_for(
            city.lower(), code=code or "", name=city_name or "",
            corporation=corporation or "", language=language or "",
        )  # fmt: skip
        ward_file = read_wards(
            file, ward_field=ward_field, name_field=name_field, zone_field=zone_field,
            zone_lookup=zone_lookup, lookup_ward_column=lookup_ward_column,
            lookup_zone_column=lookup_zone_column, merge_duplicates=merge_duplicates,
        )  # fmt: skip
        result = asyncio.run(
            import_city(spec, ward_file.wards, roster=not no_roster, attribution=attribution)
        )
    except DuplicateWardIds as exc:
        raise click.UsageError(
            f"{exc}. If they are parts of one ward, import with --merge-duplicates to join "
            "them; otherwise give each ward its own id in the file"
        ) from exc
    except (WardFileError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    if report := ward_file.report():
        merged, skipped = len(ward_file.merged), len(ward_file.skipped)
        click.echo(
            f"{file.name}: {_count(ward_file.features, 'feature')} read, "
            f"{_count(merged, 'ward')} merged, {_count(skipped, 'feature')} skipped "
            "(features are numbered from 0, in file order)"
        )
        for line in report:
            click.echo(f"  {line}")
    click.echo(
        f"{result.city}: {result.wards} wards in {result.zones} zones imported "
        f"(version {result.version}); {result.officials_created} officials added to the roster"
    )


def _count(n: int, noun: str) -> str:
    """'1 ward', '2 wards'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
