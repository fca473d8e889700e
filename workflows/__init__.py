"""Temporal workflow definitions: the case lifecycle, deterministic code only."""
