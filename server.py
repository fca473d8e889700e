"""Runs the Litestar app with uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from api.app import create_app
from api.headers import security_headers
from api.httpserver import DeadlineHttpProtocol
from records.db import leave_housekeeping_to_others
from settings import Settings


def run(settings: Settings) -> None:
    """Serve the API on API_HOST:API_PORT until stopped."""
    logging.basicConfig(level=settings.log_level)
    leave_housekeeping_to_others()  # filings never wait for a checkpoint (the worker does it)
    uvicorn.run(
        # On every answer, 404s and errors included; the pages may load the map's tiles.
        security_headers(create_app(settings), tile_url=settings.map_tile_url),
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        # Longer than the 5 s default, so keep-alive clients do not race the server's close.
        timeout_keep_alive=75,
        server_header=False,  # answers do not name the server software
        # Slow clients are cut off with a 408 (see api/httpserver.py).
        http=DeadlineHttpProtocol.with_timeouts(
            settings.header_timeout_s, settings.body_idle_timeout_s, settings.request_timeout_s
        ),
    )


if __name__ == "__main__":
    run(Settings.from_env())
