"""Issue 14: the registry of published breach-risk models."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Boolean, Integer, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 14: table risk_model"

COLUMNS = (
    ("model_id", Varchar, {"length": 16, "unique": True}),
    ("s3_prefix", Varchar, {"length": 100}),
    ("source", Varchar, {"length": 20}),
    ("window_from", Varchar, {"length": 32}),
    ("window_until", Varchar, {"length": 32}),
    ("training_cases", Integer, {"default": 0}),
    ("holdout", JSON, {"default": "{}"}),
    ("xgboost", Varchar, {"length": 20}),
    ("published_at", Timestamptz, {"default": None, "null": True}),
    ("published_by", Varchar, {"length": 120}),
    ("active", Boolean, {"default": False}),
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
    """Create the table (backwards: drop it)."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)
    manager.add_table(class_name="RiskModel", tablename="risk_model", schema=None, columns=None)
    for name, column_class, extra in COLUMNS:
        manager.add_column(
            table_class_name="RiskModel",
            tablename="risk_model",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=_params(extra),
            schema=None,
        )
    return manager
