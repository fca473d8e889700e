"""Security headers on every answer, errors included: what an auditor checks before go-live.

An ASGI middleware (so exception responses get them too) adds, unless the handler set its own:

- `X-Content-Type-Options: nosniff`: a browser never guesses a type (an uploaded PDF or a
  JSON error is never run as script);
- `X-Frame-Options: DENY` and, outside the API docs, `Content-Security-Policy:
  default-src 'none'; frame-ancestors 'none'`: no answer can be framed or load anything;
- `Referrer-Policy: no-referrer`: tracking ids in URLs do not leak to other sites;
- `Cache-Control: no-store` on /v1 answers that did not choose a policy: a shared cache
  never keeps a case, a key or a contact read.

uvicorn's `Server` header is switched off in server.py, so the answers do not name the
server software.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_NO_STORE = (b"cache-control", b"no-store")


def security_headers(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI app so every HTTP answer carries the security headers."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path = scope["path"]
        extra = list(_ALWAYS)
        if not path.startswith("/schema"):  # the docs pages run their own scripts
            extra.append(_CSP)
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
