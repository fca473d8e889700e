"""Piccolo's database engine: SQLite under var/ by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

from piccolo.conf.apps import AppRegistry

from records.engine import engine_for
from settings import Settings

__all__ = ["APP_REGISTRY", "DB", "engine_for"]

DB = engine_for(Settings.from_env().effective_database_url)

APP_REGISTRY = AppRegistry(apps=["records.piccolo_app"])
