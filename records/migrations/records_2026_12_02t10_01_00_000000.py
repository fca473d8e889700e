"""Issue 13: the rollups' unique keys (their upserts' conflict targets), then their first count.

The keys lead with what every read fixes (city, category, span) and then the range of days,
so a read of a year's figures is one short range scan. Piccolo cannot declare an index over
several columns, so they are raw SQL. The count is records.rollup.rebuild: every complaint
recorded before the rollups existed, counted once.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T10:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 13: unique keys of the rollups, and their backfill"


class Complaint(Table, tablename="complaint"):
    """The projection table, for raw SQL."""


async def forwards() -> MigrationManager:
    """Create both keys and count the rollups (backwards: drop the keys)."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)

    async def create() -> None:
        from records.rollup import rebuild

        await Complaint.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS complaint_rollup_key ON complaint_rollup "
            "(city, category, span, first_day, ward_id, zone)"
        )
        await Complaint.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS complaint_heat_key ON complaint_heat "
            "(city, category, resolution, first_day, cell)"
        )
        await rebuild()

    async def drop() -> None:
        await Complaint.raw("DROP INDEX IF EXISTS complaint_heat_key")
        await Complaint.raw("DROP INDEX IF EXISTS complaint_rollup_key")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
