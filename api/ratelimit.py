"""Per-key rate limits: a token bucket per API key, answering 429 with Retry-After."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from litestar.exceptions import TooManyRequestsException


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

    def check(self, key_id: str, per_minute: int | None = None) -> None:
        """Raise 429 with Retry-After (whole seconds, at least 1) when the key is over."""
        wait = self.wait_seconds(key_id, per_minute)
        if wait > 0:
            rate = self.default_per_minute if per_minute is None else per_minute
            retry_after = max(1, math.ceil(wait))
            raise TooManyRequestsException(
                f"rate limit of {rate} requests a minute "
                f"for this API key exceeded; retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )
