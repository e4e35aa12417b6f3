"""The default turn threads follow the usable cores (2..8) and keep a worker's capacity (running + waiting) at 72."""

from __future__ import annotations

import os

import pytest

from assistant.settings import TURN_CAPACITY, Settings, default_turn_threads


def test_default_threads_follow_the_usable_cores() -> None:
    cores = len(os.sched_getaffinity(0))
    assert default_turn_threads() == min(8, max(2, cores))
    assert Settings().turn_threads == default_turn_threads()


@pytest.mark.parametrize("threads", [1, 2, 8, 16])
def test_unset_pending_keeps_the_capacity(threads: int) -> None:
    s = Settings(turn_threads=threads)
    assert s.turn_threads + s.max_pending_turns == TURN_CAPACITY


def test_explicit_pending_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTUNE_MAX_PENDING_TURNS", "5")
    monkeypatch.setenv("ATTUNE_TURN_THREADS", "3")
    s = Settings()
    assert (s.turn_threads, s.max_pending_turns) == (3, 5)


def test_two_cores_give_two_threads_and_seventy_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    s = Settings()
    assert (s.turn_threads, s.max_pending_turns) == (2, 70)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(32)))
    assert Settings().turn_threads == 8
