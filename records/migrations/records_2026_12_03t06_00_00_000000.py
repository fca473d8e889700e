"""The open-cases index again, now that intake may wait for a person (issue 15).

`complaint_open_place` is a partial index over open cases, and a query uses it only when it
repeats the index's predicate (records.stats.OPEN_SQL). TRANSCRIBING and NEEDS_TRIAGE are
open too, so the index is made again with them; backwards, with the earlier predicate.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 15: complaint_open_place covers cases waiting for a transcript or triage"

OPEN_SQL = (
    "status IN ('FILED', 'TRANSCRIBING', 'NEEDS_TRIAGE', 'TRIAGED', 'ASSIGNED', "
    "'NOTICE_ISSUED', 'ESCALATED', 'REOPENED')"
)
EARLIER_OPEN_SQL = (
    "status IN ('FILED', 'TRIAGED', 'ASSIGNED', 'NOTICE_ISSUED', 'ESCALATED', 'REOPENED')"
)


class Complaint(Table, tablename="complaint"):
    """The projection table, for raw SQL."""


async def _index(predicate: str) -> None:
    """Make complaint_open_place over the cases `predicate` calls open."""
    await Complaint.raw("DROP INDEX IF EXISTS complaint_open_place")
    await Complaint.raw(
        "CREATE INDEX complaint_open_place ON complaint (latitude, longitude) "
        f"WHERE {predicate}"
    )


async def forwards() -> MigrationManager:
    """Remake the index with the waiting statuses (backwards: without them)."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)

    async def make() -> None:
        """With the waiting statuses."""
        await _index(OPEN_SQL)

    async def unmake() -> None:
        """As issue 13 made it."""
        await _index(EARLIER_OPEN_SQL)

    manager.add_raw(make)
    manager.add_raw_backwards(unmake)
    return manager
