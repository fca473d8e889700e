"""Issue 15: how a complaint came in (category source, photos, voice note, transcript)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 15: complaint.intake"


async def forwards() -> MigrationManager:
    """Add complaint.intake (backwards: drop it)."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Complaint",
        tablename="complaint",
        column_name="intake",
        db_column_name="intake",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
