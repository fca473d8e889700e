"""The HTTP protocol the API is served with: uvicorn's httptools, with deadlines for slow clients.

uvicorn has a keep-alive timeout, but none for a request that is still arriving: a client
that opens a connection and drips a header byte every minute (slowloris), or a body a byte
at a time, holds its connection, its memory and, for a body, a handler, for ever. This
protocol closes such connections with a 408:

- the request line and headers must arrive within `header_timeout_s` of the connection's
  first byte (or of its opening, for a client that connects and sends nothing);
- a body may pause at most `body_idle_timeout_s` between chunks;
- the whole request, headers and body, must arrive within `request_timeout_s`.

A keep-alive connection that sends nothing between requests is left to uvicorn's
keep-alive timeout. In production a reverse proxy in front enforces its own limits too.
"""

from __future__ import annotations

import asyncio
from asyncio import TimerHandle
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: application/json\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)


def _timeout_body(detail: str) -> bytes:
    body = b'{"status_code":408,"detail":"%s"}' % detail.encode()
    return _TIMEOUT_RESPONSE % (len(body), body)


class DeadlineHttpProtocol(HttpToolsProtocol):
    """httptools HTTP/1.1 with deadlines for receiving each request (see module docstring)."""

    header_timeout_s = 20.0
    body_idle_timeout_s = 20.0
    request_timeout_s = 120.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._awaiting_headers = True
        self._headers_timer: TimerHandle | None = None
        self._idle_timer: TimerHandle | None = None
        self._request_timer: TimerHandle | None = None

    @classmethod
    def with_timeouts(
        cls, header_s: float, body_idle_s: float, request_s: float
    ) -> type[DeadlineHttpProtocol]:
        """A subclass with these deadlines, to hand to uvicorn as its `http` protocol."""
        return type(
            cls.__name__,
            (cls,),
            {
                "header_timeout_s": header_s,
                "body_idle_timeout_s": body_idle_s,
                "request_timeout_s": request_s,
            },
        )

    # --- the deadlines ---------------------------------------------------------------------

    def _later(self, seconds: float, detail: str) -> TimerHandle:
        return self.loop.call_later(seconds, self._expire, detail)

    def _expire(self, detail: str) -> None:
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete or not self.cycle.response_started:
            self.transport.write(_timeout_body(detail))
        self.transport.close()

    def _cancel(self, *names: str) -> None:
        for name in names:
            timer = getattr(self, name)
            if timer is not None:
                timer.cancel()
                setattr(self, name, None)

    # --- uvicorn's callbacks ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the header deadline as soon as the client connects."""
        super().connection_made(transport)
        self._headers_timer = self._later(self.header_timeout_s, "request headers too slow")

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop every deadline of a closed connection."""
        self._cancel("_headers_timer", "_idle_timer", "_request_timer")
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """The first byte of a new request on a kept-alive connection starts its deadline."""
        if self._awaiting_headers and self._headers_timer is None:
            self._headers_timer = self._later(self.header_timeout_s, "request headers too slow")
        super().data_received(data)

    def on_headers_complete(self) -> None:
        """Headers are in: from now on the body (if any) must keep arriving."""
        self._awaiting_headers = False
        self._cancel("_headers_timer")
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.more_body:
            self._idle_timer = self._later(self.body_idle_timeout_s, "request body stalled")
            self._request_timer = self._later(self.request_timeout_s, "request body too slow")

    def on_body(self, body: bytes) -> None:
        """Each chunk of the body resets the idle deadline."""
        super().on_body(body)
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = self._later(self.body_idle_timeout_s, "request body stalled")

    def on_message_complete(self) -> None:
        """The whole request arrived in time."""
        self._cancel("_idle_timer", "_request_timer")
        super().on_message_complete()

    def on_response_complete(self) -> None:
        """Between requests only the keep-alive timeout applies."""
        self._awaiting_headers = True
        super().on_response_complete()
