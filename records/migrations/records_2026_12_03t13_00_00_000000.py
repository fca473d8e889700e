"""Issue 17 (DPDP), step 1 of 3: citizens' data keys, sealed reporter columns, consent and
erasure marks, grievances and breaches. Step 2 seals the cleartext rows; step 3 drops the
cleartext columns."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-03T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 17: citizen_key, sealed reporter columns, privacy_grievance, breaches"


class CitizenKey(Table, tablename="citizen_key", schema=None):
    """The data-key table, as a foreign key's target."""

    id = Serial(null=False, primary_key=True, unique=False, index=False,
                index_method=IndexMethod.btree, choices=None, db_column_name="id",
                secret=False)  # fmt: skip


NOW = {"default": TimestamptzNow()}
NULL_TEXT = {"null": True, "default": None}
NULL_TIME = {"null": True, "default": None}
KEY_REF = {"references": CitizenKey, "on_delete": OnDelete.set_null,
           "on_update": OnUpdate.cascade, "target_column": None, "null": True}  # fmt: skip

TABLES = (
    (
        "CitizenKey",
        "citizen_key",
        (
            ("wrapped", Text, NULL_TEXT),
            ("master_key_id", Varchar, {"length": 32, **NULL_TEXT}),
            ("phone_index", Varchar, {"length": 32, "index": True, **NULL_TEXT}),
            ("email_index", Varchar, {"length": 32, "index": True, **NULL_TEXT}),
            ("created_at", Timestamptz, NOW),
            ("shredded_at", Timestamptz, NULL_TIME),
            ("shred_reason", Varchar, {"length": 40, **NULL_TEXT}),
        ),
    ),
    (
        "PrivacyGrievance",
        "privacy_grievance",
        (
            ("reference", Varchar, {"length": 24, "unique": True}),
            ("citizen_key", ForeignKey, KEY_REF),
            ("tracking_id", Varchar, {"length": 20, "index": True, **NULL_TEXT}),
            ("text_sealed", Text, NULL_TEXT),
            ("lodged_via", Varchar, {"length": 20}),
            ("lodged_at", Timestamptz, NOW),
            ("due_at", Timestamptz, {"index": True, **NOW}),
            ("status", Varchar, {"length": 12, "default": "open"}),
            ("answered_at", Timestamptz, NULL_TIME),
            ("answer", Text, NULL_TEXT),
        ),
    ),
    (
        "BreachCase",
        "breach_case",
        (
            ("breach_id", Varchar, {"length": 40, "unique": True}),
            ("summary", Text, {"default": ""}),
            ("discovered_at", Timestamptz, NOW),
            ("opened_by", Varchar, {"length": 120}),
            ("report_due_at", Timestamptz, NOW),
            ("report_filed_at", Timestamptz, NULL_TIME),
            ("report", Text, NULL_TEXT),
            ("affected", Integer, {"default": 0}),
            ("status", Varchar, {"length": 16, "default": "open"}),
        ),
    ),
    (
        "BreachNotice",
        "breach_notice",
        (
            ("event_key", Varchar, {"length": 80, "unique": True}),
            ("breach_id", Varchar, {"length": 40, "index": True}),
            ("citizen_key", Integer, {"default": 0}),
            ("channel", Varchar, {"length": 12}),
            ("status", Varchar, {"length": 12, "default": "owed"}),
            ("created_at", Timestamptz, NOW),
        ),
    ),
)

REPORTER_COLUMNS = (
    ("citizen_key", ForeignKey, KEY_REF),
    ("name_sealed", Text, NULL_TEXT),
    ("phone_sealed", Text, NULL_TEXT),
    ("email_sealed", Text, NULL_TEXT),
    ("description_sealed", Text, NULL_TEXT),
    ("address_sealed", Text, NULL_TEXT),
    ("legal_basis", Varchar, {"length": 20, **NULL_TEXT}),
    ("notice_version", Varchar, {"length": 40, **NULL_TEXT}),
    ("purposes", Varchar, {"length": 200, **NULL_TEXT}),
    ("consent_withdrawn_at", Timestamptz, NULL_TIME),
    ("erase_due_at", Timestamptz, NULL_TIME),
    ("erased_at", Timestamptz, NULL_TIME),
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


def _add(manager: MigrationManager, class_name: str, tablename: str, columns: tuple) -> None:
    """Declare the columns of one table."""
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


async def forwards() -> MigrationManager:
    """Create the tables and the reporter's new columns (backwards: drop them)."""
    manager = MigrationManager(migration_id=ID, app_name="records", description=DESCRIPTION)
    for class_name, tablename, columns in TABLES:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        _add(manager, class_name, tablename, columns)
    _add(manager, "Reporter", "reporter", REPORTER_COLUMNS)
    return manager
