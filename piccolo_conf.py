"""Piccolo's database engine: SQLite under var/ by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from settings import Settings


def engine_for(url: str) -> Engine:
    """Build the Piccolo engine for a database URL (postgres://… or sqlite:///path)."""
    scheme = urlparse(url).scheme
    if scheme in ("postgres", "postgresql"):
        return PostgresEngine(config={"dsn": url})
    if scheme == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # timeout: wait for the other process (worker vs API) instead of "database is locked".
        return SQLiteEngine(path=str(path), timeout=30)
    raise ValueError(f"DATABASE_URL must be postgres://… or sqlite:///…, not {scheme!r}")


DB = engine_for(Settings.from_env().effective_database_url)

APP_REGISTRY = AppRegistry(apps=["records.piccolo_app"])
