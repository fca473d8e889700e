"""What every `civicops` command shares: its settings and how the audit log names its operator."""

from __future__ import annotations

import getpass
import os
import socket

from settings import Settings


def settings() -> Settings:
    """The settings, with var/ made owner-only (it holds the database and the keys)."""
    current = Settings.from_env()
    current.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return current


def operator() -> str:
    """How the audit log names an operator at this terminal: cli:<user>@<host>."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"cli:{user}@{socket.gethostname()}"
