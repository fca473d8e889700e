"""Rate limits: a token bucket per API key, and one per client address on public routes;
over the limit, 429 with Retry-After."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Each key may make `per_minute` requests a minute, in bursts of up to that many.

    The buckets live in this API process: with N replicas behind a balancer a key gets up to
    N times its limit (a shared store is the way to a cluster-wide limit).
    """

    def __init__(self, default_per_minute: int) -> None:
        self.default_per_minute = default_per_minute
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, key_id: str, per_minute: int | None = None) -> float:
        """Take one request from the key's bucket: 0.0 if allowed, else seconds to wait."""
        rate = self.default_per_minute if per_minute is None else per_minute
        if rate <= 0:
            return 0.0  # 0 turns the limit off
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                if len(self._buckets) > 100_000:
                    self._buckets.clear()
                bucket = self._buckets[key_id] = _Bucket(float(rate), now)
            bucket.tokens = min(float(rate), bucket.tokens + (now - bucket.stamp) * rate / 60.0)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) * 60.0 / rate

    def check(
        self, key_id: str, per_minute: int | None = None, *, holder: str = "this API key"
    ) -> None:
        """Raise 429 with Retry-After (whole seconds, at least 1) when the key is over."""
        wait = self.wait_seconds(key_id, per_minute)
        if wait > 0:
            rate = self.default_per_minute if per_minute is None else per_minute
            retry_after = max(1, math.ceil(wait))
            raise TooManyRequestsException(
                f"rate limit of {rate} requests a minute "
                f"for {holder} exceeded; retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )


async def public_rate_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """A public route (one that needs no key) is limited per client address instead:
    settings.public_rate_limit_per_minute requests a minute each (0: no limit).

    The address is the connection's peer. X-Forwarded-For is not read: behind a proxy every
    caller would share the proxy's address (set the limit to 0 and limit at the proxy), and
    trusting the header from anyone would let a client pick a fresh address per request.
    """
    if not handler.opt.get("public") or connection.scope.get("method") == "OPTIONS":
        return
    state = connection.app.state
    limiter: RateLimiter | None = getattr(state, "public_rate_limiter", None)
    if limiter is None:  # one per app, made on first use
        limiter = state.public_rate_limiter = RateLimiter(
            state.settings.public_rate_limit_per_minute
        )
    address = connection.client.host if connection.client else "unknown"
    limiter.check(f"addr:{address}", holder="this client address")
