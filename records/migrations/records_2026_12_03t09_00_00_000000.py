"""Issue 16: citizens of the web app: tables citizen_token, citizen_profile, citizen_points."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 16: tables citizen_token, citizen_profile and citizen_points"

NOW = {"default": TimestamptzNow()}
TABLES = (
    (
        "CitizenToken",
        "citizen_token",
        (
            ("token_sha256", Varchar, {"length": 64, "unique": True}),
            ("tracking_id", Varchar, {"length": 20, "index": True}),
            ("client_id", Varchar, {"length": 64}),
            ("device_sha256", Varchar, {"length": 64, "index": True}),
            ("filing", Varchar, {"length": 12}),
            ("created_at", Timestamptz, NOW),
        ),
    ),
    (
        "CitizenProfile",
        "citizen_profile",
        (
            ("device_sha256", Varchar, {"length": 64, "unique": True}),
            ("pseudonym", Varchar, {"length": 40, "null": True, "default": None}),
            ("created_at", Timestamptz, NOW),
        ),
    ),
    (
        "CitizenPoints",
        "citizen_points",
        (
            ("event_key", Varchar, {"length": 120, "unique": True}),
            ("device_sha256", Varchar, {"length": 64, "index": True}),
            ("points", Integer, {"default": 0}),
            ("reason", Varchar, {"length": 40}),
            ("tracking_id", Varchar, {"length": 20, "index": True}),
            ("city", Varchar, {"length": 40}),
            ("ward", Varchar, {"length": 60, "null": True, "default": None}),
            ("at", Timestamptz, NOW),
        ),
    ),
)


def _params(extra: dict[str, object]) -> dict[str, object]:
    """A column's parameters: NOT NULL, no index, unless `extra` says otherwise."""
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **({"default": ""} if "length" in extra and "default" not in extra else {}),
        **extra,
    }


async def forwards() -> MigrationManager:
    """Create the three tables (backwards: drop them)."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)
    for class_name, tablename, columns in TABLES:
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
