"""What every `civicops` command shares: settings, the operator's name, the key folder, the exit.

`exit_skipping_finalisation` is the one way a process that used a Temporal client ends
(the `worker` and `trace` commands, and the benchmarks under bench/).
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
import sys
from typing import TYPE_CHECKING, NoReturn

from settings import Settings

if TYPE_CHECKING:
    from notices.keys import KeyStore


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


def key_store() -> KeyStore:
    """The notice-signing key folder the settings name (var/keys by default)."""
    from notices.keys import KeyStore

    return KeyStore.from_settings(settings())


def exit_skipping_finalisation(code: int) -> NoReturn:
    """Exit a process that used a Temporal client, without interpreter finalisation.

    The Temporal SDK's native threads can abort finalisation ("PyGILState_Release",
    temporalio/sdk-python#300): the command would die with SIGABRT after doing its work.
    Logs and standard streams are flushed first, since nothing else will flush them.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
