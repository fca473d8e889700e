"""The public figures' indexes, and the new columns of the complaints filed before them.

- `complaint_stats` (city, filed_at): every figure is an aggregate over the complaints of one
  city filed in a range of days. It also carries the columns the figures count, so a cohort
  is read from the index alone (PostgreSQL: INCLUDE; SQLite, which has none: more keys).
- `complaint_open_place` (latitude, longitude) over open cases only (a partial index, whose
  predicate records.stats.OPEN_SQL repeats word for word): "is it already reported nearby?".
- Older rows get `resolved_on_time` from their own resolution (resolved by the SLA due then,
  which the projection still holds: a resolved case's deadline no longer moves) and their H3
  cells, computed here in batches (SQL cannot compute H3).

Piccolo cannot declare these indexes, so they are raw SQL, as in the placement index's
migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

from domain.stats import cells

ID = "2026-12-02T09:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 13: indexes for the public figures; backfill resolved_on_time and H3 cells"

COVERED = (
    "category, status, ward_id, zone, resolved_at, resolved_on_time, recomplaints, "
    "escalation_level, h3_r7, h3_r8, h3_r9"
)
# The open statuses, intake included, as records.stats.OPEN_SQL spells them (a test checks
# they agree: a query uses a partial index only when it repeats the index's predicate).
OPEN_SQL = "status IN ('FILED', 'TRIAGED', 'ASSIGNED', 'NOTICE_ISSUED', 'ESCALATED', 'REOPENED')"
BATCH = 500


class Complaint(Table, tablename="complaint"):
    """The projection table, for raw SQL."""


def _sqlite() -> bool:
    return Complaint._meta.db.engine_type == "sqlite"


async def _backfill_cells() -> None:
    """Give every complaint without H3 cells its cells, a batch at a time."""
    last = 0
    while True:
        rows = await Complaint.raw(
            "SELECT id, latitude, longitude FROM complaint WHERE id > {} AND h3_r9 IS NULL "
            f"ORDER BY id LIMIT {BATCH}",
            last,
        )
        if not rows:
            return
        values, args = [], []
        for row in rows:
            values.append("(CAST({} AS BIGINT), CAST({} AS BIGINT), CAST({} AS BIGINT), "
                          "CAST({} AS BIGINT))")  # fmt: skip
            args += [row["id"], *cells(row["latitude"], row["longitude"])]
        await Complaint.raw(
            "UPDATE complaint SET h3_r7 = v.column2, h3_r8 = v.column3, h3_r9 = v.column4 "
            f"FROM (VALUES {', '.join(values)}) AS v WHERE complaint.id = v.column1",
            *args,
        )
        last = rows[-1]["id"]


async def forwards() -> MigrationManager:
    """Backfill, then create both indexes (backwards: drop the indexes)."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)

    async def create() -> None:
        await Complaint.raw(
            "UPDATE complaint SET resolved_on_time = "
            "(sla_due_at IS NULL OR resolved_at <= sla_due_at) "
            "WHERE resolved_at IS NOT NULL AND resolved_on_time IS NULL"
        )
        await _backfill_cells()
        # The same covering index on both: SQLite has no INCLUDE, so the columns are keys.
        columns = (
            f"city, filed_at, {COVERED}" if _sqlite() else f"city, filed_at) INCLUDE ({COVERED}"
        )
        await Complaint.raw(f"CREATE INDEX IF NOT EXISTS complaint_stats ON complaint ({columns})")
        await Complaint.raw(
            "CREATE INDEX IF NOT EXISTS complaint_open_place ON complaint (latitude, longitude) "
            f"WHERE {OPEN_SQL}"
        )

    async def drop() -> None:
        await Complaint.raw("DROP INDEX IF EXISTS complaint_open_place")
        await Complaint.raw("DROP INDEX IF EXISTS complaint_stats")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
