"""Temporal activities: everything with side effects (zoning, records, notices, storage)."""
