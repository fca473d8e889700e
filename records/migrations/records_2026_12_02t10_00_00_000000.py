"""Issue 13: the rollup tables that keep the public figures ready (domain/rollup.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Date, Integer, SmallInt, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 13: tables complaint_rollup and complaint_heat"

# As domain.rollup had them when this migration was written (its 97 buckets of hours).
COUNTS = ("filed", "open", "resolved", "closed", "on_time", "recomplaints")
LEVELS = ("level_1", "level_2", "level_3", "p1")  # p1: cases now at priority P1 (issue 14)
HOURS = tuple(f"h{i:02d}" for i in range(97))

ROLLUP = (
    ("city", Varchar, {"length": 40}),
    ("span", Varchar, {"length": 5}),
    ("first_day", Date, {}),
    ("category", Varchar, {"length": 40}),
    ("ward_id", Varchar, {"length": 60}),
    ("zone", Varchar, {"length": 120}),
    *((name, Integer, {"default": 0}) for name in COUNTS + LEVELS + HOURS),
)
HEAT = (
    ("city", Varchar, {"length": 40}),
    ("first_day", Date, {}),
    ("category", Varchar, {"length": 40}),
    ("resolution", SmallInt, {"default": 0}),
    ("cell", BigInt, {"default": 0}),
    ("filed", Integer, {"default": 0}),
    ("open", Integer, {"default": 0}),
)


def _params(extra: dict[str, object]) -> dict[str, object]:
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **({"default": ""} if "length" in extra else {}),
        **extra,
    }


async def forwards() -> MigrationManager:
    """Create both tables (backwards: drop them)."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)
    for class_name, tablename, columns in (
        ("ComplaintRollup", "complaint_rollup", ROLLUP),
        ("ComplaintHeat", "complaint_heat", HEAT),
    ):
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, extra in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=_params(extra),
                schema=None,
            )
    return manager
