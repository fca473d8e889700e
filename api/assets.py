"""Static files and the API docs, served from this app's own copies: no page needs another host.

- `/static/vendor/<lib>/...`: the browser libraries copied from npm by `make vendor`
  (`api/static/vendor/manifest.json` lists each file's version and SHA-256); cached for a day,
  since a path keeps its content until the next `make vendor`;
- `/static/...`: the app's own scripts and styles (`api/static/app/`, the docs page's
  `api/static/docs/`); cached for five minutes, so a release shows within minutes;
- `/schema/swagger` (and `/schema`): Swagger UI from the vendored copy, started by a script
  file rather than an inline one, so the docs run under a self-only Content-Security-Policy
  (api/headers.py). Litestar's own page loads Swagger UI and a favicon from a CDN.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from api.auth import PUBLIC
from api.errors import exception_handler

STATIC = Path(__file__).resolve().parent / "static"
STATIC_URL = "/static"
VENDOR_URL = f"{STATIC_URL}/vendor"
SWAGGER = f"{VENDOR_URL}/swagger-ui-dist"


def _no_such_file(request: Request, exc: NotFoundException) -> Response:
    """A 404 that does not name the folder on the server (Litestar's own detail does)."""
    return exception_handler(request, NotFoundException("no such file"))


def static_routers() -> list[Router]:
    """The routers serving /static/vendor (the npm copies) and /static (the app's own files)."""
    not_found = {NotFoundException: _no_such_file}
    return [
        create_static_files_router(
            VENDOR_URL,
            directories=[STATIC / "vendor"],
            name="vendor",
            cache_control=CacheControlHeader(public=True, max_age=86400),
            opt=dict(PUBLIC),
            exception_handlers=not_found,
        ),
        create_static_files_router(
            STATIC_URL,
            directories=[STATIC],
            name="static",
            cache_control=CacheControlHeader(public=True, max_age=300),
            opt=dict(PUBLIC),
            exception_handlers=not_found,
        ),
    ]


class LocalSwaggerPlugin(SwaggerRenderPlugin):
    """Swagger UI from /static/vendor, started by /static/docs/swagger-init.js: no inline
    script, no inline style, nothing from another host."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            css_url=f"{SWAGGER}/swagger-ui.css",
            favicon=f'<link rel="icon" type="image/png" href="{SWAGGER}/favicon-32x32.png">',
            style=f'<link rel="stylesheet" href="{STATIC_URL}/docs/swagger.css">',
            **kwargs,
        )

    def receive_router(self, router: Router) -> None:
        """Add no OAuth2 redirect page: keys are bearer tokens, and its inline script would be
        refused by the docs' policy anyway."""

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        """The docs page: the spec is fetched from openapi.json by the init script."""
        title = html.escape(str(openapi_schema["info"]["title"]))
        spec_url = html.escape(self.get_openapi_json_route(request))
        page = f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{title}</title>
    {self.favicon}
    <link rel="stylesheet" href="{self.css_url}">
    {self.style}
    <script src="{self.js_url}" defer></script>
    <script src="{STATIC_URL}/docs/swagger-init.js" defer></script>
  </head>
  <body>
    <div id="swagger-container" data-spec-url="{spec_url}"></div>
  </body>
</html>
"""
        return page.encode()
