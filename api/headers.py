"""Security headers on every answer, errors included: what an auditor checks before go-live.

An ASGI middleware (so exception responses get them too) adds, unless the handler set its own:

- `X-Content-Type-Options: nosniff`: a browser never guesses a type (an uploaded PDF or a
  JSON error is never run as script);
- `X-Frame-Options: DENY` and `frame-ancestors 'none'` in every Content-Security-Policy: no
  answer can be framed;
- `Content-Security-Policy`, by path:
  - the pages (`/`, `/wards/...`, `/hotspots`, the staff sign-in pages `/signin`, `/me`,
    `/signout`, `/invite/...`) and `/static/...`: scripts, styles, images,
    fonts and fetches from this host only (`img-src` also allows `data:`, which Leaflet and
    Swagger UI's styles use, and the configured map tile host, if any); no inline or
    evaluated script, no inline style (Leaflet and uPlot set styles through the DOM, which
    a policy does not block); forms post only here;
  - the API docs (`/schema...`): the same, for Swagger UI served from /static/vendor and
    started by a script file (api/assets.py); forms nowhere;
  - everything else (/v1, Open311, /health, unknown paths): `default-src 'none'`: an answer
    loads nothing and runs nothing, even if a browser were tricked into rendering it;
- `Referrer-Policy: no-referrer`: tracking ids in URLs do not leak to other sites;
- `Cache-Control: no-store` on /v1 answers that did not choose a policy: a shared cache
  never keeps a case, a key or a contact read.

uvicorn's `Server` header is switched off in server.py, so the answers do not name the
server software.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.types import ASGIApp, Message, Receive, Scope, Send

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_NO_STORE = (b"cache-control", b"no-store")

NOTHING = "default-src 'none'; frame-ancestors 'none'"
_SELF_ONLY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles}; "
    "font-src 'self'; connect-src 'self'; media-src 'self' blob:; worker-src 'self'; "
    "manifest-src 'self'; base-uri 'none'; form-action {forms}; "
    "frame-ancestors 'none'"
)
# The pages: these paths, and every path below these prefixes.
PAGE_PATHS = frozenset(
    {
        "/",
        "/hotspots",
        "/signin",
        "/signout",
        "/me",
        "/work",
        "/report",
        "/verify",
        "/sw.js",
        "/privacy",
    }
)
PAGE_PREFIXES = ("/hotspots/", "/wards/", "/static/", "/invite/", "/work/", "/track/", "/report/",
                 "/board/")  # fmt: skip


def tile_source(tile_url: str | None) -> str:
    """The CSP source for a map tile URL template (`{s}.`, `{z}` and the like), or ""."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url)
    host = parts.netloc
    if parts.scheme not in ("http", "https") or not host:
        return ""
    labels = host.split(".")
    if "{" in labels[0]:  # a subdomain template such as {s}.tile.example.org
        labels[0] = "*"
    if any("{" in label for label in labels):  # a template deeper in the host name:
        return f" {parts.scheme}:"  # the scheme is all a CSP source can say
    return f" {parts.scheme}://{'.'.join(labels)}"


def page_policy(tile_url: str | None = None) -> str:
    """The policy for the pages and /static: this host only (plus the map tile host)."""
    return _SELF_ONLY.format(tiles=tile_source(tile_url), forms="'self'")


def docs_policy() -> str:
    """The policy for the API docs under /schema: this host only, forms nowhere."""
    return _SELF_ONLY.format(tiles="", forms="'none'")


def is_page(path: str) -> bool:
    """Whether a path is one of the pages or a static file (so gets the page policy)."""
    return path in PAGE_PATHS or path.startswith(PAGE_PREFIXES)


def is_docs(path: str) -> bool:
    """Whether a path is the API docs or the schema (/schema and below)."""
    return path == "/schema" or path.startswith("/schema/")


def policy_for(path: str, tile_url: str | None = None) -> str:
    """The Content-Security-Policy an answer on this path carries."""
    if is_docs(path):
        return docs_policy()
    if is_page(path):
        return page_policy(tile_url)
    return NOTHING


def security_headers(app: ASGIApp, *, tile_url: str | None = None) -> ASGIApp:
    """Wrap an ASGI app so every HTTP answer carries the security headers.

    `tile_url` is the dashboard's map tile template (settings.map_tile_url), whose host the
    pages' policy then allows images from.
    """
    docs = (b"content-security-policy", docs_policy().encode())
    page = (b"content-security-policy", page_policy(tile_url).encode())
    nothing = (b"content-security-policy", NOTHING.encode())

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path = scope["path"]
        csp = docs if is_docs(path) else page if is_page(path) else nothing
        extra = [*_ALWAYS, csp]
        if path.startswith("/v1/"):
            extra.append(_NO_STORE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
