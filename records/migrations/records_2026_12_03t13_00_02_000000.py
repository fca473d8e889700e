"""Issue 17 (DPDP), step 3 of 3: drop the reporter's cleartext name, phone and email columns
(step 2 sealed and cleared them)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T13:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 17: drop reporter.name, reporter.phone and reporter.email"


async def forwards() -> MigrationManager:
    """Drop the three cleartext columns."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)
    for name in ("name", "phone", "email"):
        manager.drop_column(
            table_class_name="Reporter",
            tablename="reporter",
            column_name=name,
            db_column_name=name,
            schema=None,
        )
    return manager
