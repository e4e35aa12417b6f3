"""Rate limiting behind a small Protocol: fixed-window counters in-process, or in Redis so that every worker
process shares them (``ATTUNE_REDIS_URL``). Only this module imports ``redis``.

>>> limiter = InMemoryRateLimiter(clock=lambda: 100.0)
>>> [limiter.hit("ip:1.2.3.4", limit=2, window_s=60).allowed for _ in range(3)]
[True, True, False]
>>> limiter.hit("ip:1.2.3.4", limit=2, window_s=60).retry_after_s
20
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from assistant.errors import StoreUnavailableError


@dataclass(frozen=True)
class RateDecision:
    """One hit's outcome: allowed or not, how many remain in the window and when to retry (whole seconds)."""

    allowed: bool
    remaining: int
    retry_after_s: int


@runtime_checkable
class RateLimiter(Protocol):
    """Counts hits per key in fixed windows of ``window_s`` seconds aligned on the clock."""

    def hit(self, key: str, *, limit: int, window_s: int) -> RateDecision: ...

    def reset(self) -> None: ...


def _decision(count: int, limit: int, window_s: int, now: float) -> RateDecision:
    retry = max(1, math.ceil(window_s - (now % window_s)))
    return RateDecision(allowed=count <= limit, remaining=max(0, limit - count), retry_after_s=retry)


class InMemoryRateLimiter:
    """Per-process counters (the default); old windows are dropped as new ones start.

    >>> InMemoryRateLimiter().hit("k", limit=1, window_s=1).allowed
    True
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, *, limit: int, window_s: int) -> RateDecision:
        now = self._clock()
        window = int(now // window_s)
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window - 1}
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
        return _decision(count, limit, window_s, now)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class RedisRateLimiter:
    """Counters in Redis (``INCR`` + ``EXPIRE`` in one transaction), shared by every process using ``prefix``.

    >>> RedisRateLimiter.__name__
    'RedisRateLimiter'
    """

    def __init__(self, url: str, prefix: str = "attune:rl:", clock: Callable[[], float] = time.time) -> None:
        import redis

        self._client: Any = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._prefix = prefix
        self._clock = clock

    def hit(self, key: str, *, limit: int, window_s: int) -> RateDecision:
        import redis

        now = self._clock()
        window = int(now // window_s)
        name = f"{self._prefix}{key}:{window_s}:{window}"
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, window_s + 1)
            count, _ = pipe.execute()
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"the rate-limit store is unreachable: {type(exc).__name__}") from exc
        return _decision(int(count), limit, window_s, now)

    def reset(self) -> None:
        for name in self._client.scan_iter(match=f"{self._prefix}*"):
            self._client.delete(name)

    def ping(self) -> None:
        self._client.ping()


def make_rate_limiter(redis_url: str | None, prefix: str | None = None) -> RateLimiter:
    """Redis when a URL is given, else in-process."""
    if redis_url:
        return RedisRateLimiter(redis_url, prefix=prefix or "attune:rl:")
    return InMemoryRateLimiter()


def unique_prefix() -> str:
    """A fresh key prefix (tests use one per run so that runs never share counters)."""
    return f"attune:test:{uuid.uuid4().hex[:12]}:"
