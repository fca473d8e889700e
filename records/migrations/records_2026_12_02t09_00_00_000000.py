"""Issue 13: the columns the public figures count, on the complaint projection."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 13: resolved_on_time and the H3 cells (resolutions 7 to 9) of each complaint"


def _params(**extra: object) -> dict[str, object]:
    return {
        "default": None,
        "null": True,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards() -> MigrationManager:
    """Add resolved_on_time and h3_r7, h3_r8, h3_r9 (backwards: drop them)."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Complaint",
        tablename="complaint",
        column_name="resolved_on_time",
        db_column_name="resolved_on_time",
        column_class_name="Boolean",
        column_class=Boolean,
        params=_params(),
        schema=None,
    )

    for resolution in (7, 8, 9):
        manager.add_column(
            table_class_name="Complaint",
            tablename="complaint",
            column_name=f"h3_r{resolution}",
            db_column_name=f"h3_r{resolution}",
            column_class_name="BigInt",
            column_class=BigInt,
            params=_params(),
            schema=None,
        )

    return manager
