"""One conformance suite for the RateLimiter Protocol, on the in-process adapter and on Redis (127.0.0.1:6379,
db 15, a fresh key prefix per run; skipped when no Redis answers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.integrations.ratelimit import InMemoryRateLimiter, RateLimiter, RedisRateLimiter, unique_prefix

REDIS_URL = "redis://127.0.0.1:6379/15"


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _redis_or_skip(clock: _Clock, prefix: str) -> RedisRateLimiter:
    limiter = RedisRateLimiter(REDIS_URL, prefix=prefix, clock=clock)
    try:
        limiter.ping()
    except Exception as exc:  # no Redis on this machine
        pytest.skip(f"no Redis at {REDIS_URL}: {type(exc).__name__}")
    return limiter


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest, clock: _Clock) -> Iterator[RateLimiter]:
    made: RateLimiter = InMemoryRateLimiter(clock=clock) if request.param == "memory" else None  # type: ignore[assignment]
    if request.param == "redis":
        made = _redis_or_skip(clock, unique_prefix())
    yield made
    made.reset()


def test_is_a_rate_limiter(limiter: RateLimiter) -> None:
    assert isinstance(limiter, RateLimiter)


def test_allows_up_to_the_limit_then_refuses_with_retry_after(limiter: RateLimiter, clock: _Clock) -> None:
    clock.now = 1_000_020.0  # 20 s into a 60 s window (1_000_000 is 40 s into one: 1_000_000 % 60 == 40)
    decisions = [limiter.hit("ip:a", limit=3, window_s=60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after_s == 60 - (1_000_020 % 60)


def test_keys_are_counted_apart(limiter: RateLimiter) -> None:
    assert limiter.hit("ip:a", limit=1, window_s=60).allowed
    assert limiter.hit("tok:b", limit=1, window_s=60).allowed
    assert not limiter.hit("ip:a", limit=1, window_s=60).allowed


def test_a_new_window_starts_afresh(limiter: RateLimiter, clock: _Clock) -> None:
    assert limiter.hit("ip:a", limit=1, window_s=10).allowed
    assert not limiter.hit("ip:a", limit=1, window_s=10).allowed
    clock.now += 10
    assert limiter.hit("ip:a", limit=1, window_s=10).allowed


def test_reset_forgets_every_count(limiter: RateLimiter) -> None:
    limiter.hit("ip:a", limit=1, window_s=60)
    limiter.reset()
    assert limiter.hit("ip:a", limit=1, window_s=60).allowed


def test_redis_counts_are_shared_by_every_process(clock: _Clock) -> None:
    prefix = unique_prefix()
    first, second = _redis_or_skip(clock, prefix), _redis_or_skip(clock, prefix)
    try:
        assert first.hit("ip:a", limit=2, window_s=60).allowed
        assert second.hit("ip:a", limit=2, window_s=60).allowed
        assert not first.hit("ip:a", limit=2, window_s=60).allowed  # the other "process" used the budget
    finally:
        first.reset()
