"""Placement index: the re-complaint check looks up open sites by city, category and latitude.

Piccolo cannot declare a composite index, so it is raw SQL (the same on PostgreSQL and
SQLite). Without it, every filing scanned every open site of the city.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-24T21:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index case_site (city, category, latitude) for the re-complaint check"


class CaseSite(Table, tablename="case_site"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)

    async def create_index() -> None:
        await CaseSite.raw(
            "CREATE INDEX IF NOT EXISTS case_site_place ON case_site (city, category, latitude)"
        )

    async def drop_index() -> None:
        await CaseSite.raw("DROP INDEX IF EXISTS case_site_place")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
