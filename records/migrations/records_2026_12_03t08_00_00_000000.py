"""Issue 16: officials sign in with passwords: tables official_login, sign_in_link, web_session."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-03T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Issue 16: tables official_login, sign_in_link and web_session"


class Official(Table, tablename="official", schema=None):
    """The roster table, as the foreign keys reference it."""

    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


def _official(**extra: object) -> tuple[str, type, dict[str, object]]:
    """The column `official`: a foreign key to the roster, deleted with its official."""
    return (
        "official",
        ForeignKey,
        {
            "references": Official,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "default": None,
            **extra,
        },
    )


def _now() -> dict[str, object]:
    """A timestamp that defaults to now."""
    return {"default": TimestamptzNow()}


def _nullable() -> dict[str, object]:
    """A timestamp that is NULL until it happens."""
    return {"default": None, "null": True}


TABLES = (
    (
        "OfficialLogin",
        "official_login",
        (
            _official(unique=True),
            ("password_hash", Varchar, {"length": 200}),
            ("failed_attempts", Integer, {"default": 0}),
            ("locked_until", Timestamptz, _nullable()),
            ("changed_at", Timestamptz, _now()),
        ),
    ),
    (
        "SignInLink",
        "sign_in_link",
        (
            ("token_sha256", Varchar, {"length": 64, "unique": True}),
            _official(index=True),
            ("created_at", Timestamptz, _now()),
            ("expires_at", Timestamptz, _now()),
            ("used_at", Timestamptz, _nullable()),
        ),
    ),
    (
        "WebSession",
        "web_session",
        (
            ("token_sha256", Varchar, {"length": 64, "unique": True}),
            _official(index=True),
            ("csrf", Varchar, {"length": 64}),
            ("created_at", Timestamptz, _now()),
            ("expires_at", Timestamptz, _now()),
            ("revoked_at", Timestamptz, _nullable()),
            ("client", Varchar, {"length": 100, "default": None, "null": True}),
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
        **({"default": ""} if "length" in extra else {}),
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
