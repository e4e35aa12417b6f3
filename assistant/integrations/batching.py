"""Micro-batching: callers on many threads share one call of a batch function (e.g. one encoder pass).

A caller that finds no batch running leads: it runs the batch function over everything queued (up to
``max_batch`` items) in its own thread and hands each waiting caller its result. A lone caller therefore pays
nothing (no hand-off to another thread, no wait); callers arriving while a batch runs queue up and go together
in the next one. Once concurrency has been seen (the previous batch held more than one item), a leader waits
up to ``max_wait_ms`` for the batch to fill before running it, so a crowd arriving together shares passes.

>>> calls = []
>>> def double(items: list[int]) -> list[int]:
...     calls.append(len(items))
...     return [2 * i for i in items]
>>> batcher = MicroBatcher(double, max_batch=8, max_wait_ms=1.0)
>>> batcher.submit(21), calls
(42, [1])
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass
class _Slot(Generic[In, Out]):
    item: In
    owner: int = 0  # which submit call queued it (one caller's items do not make a crowd)
    done: bool = False
    result: Out | None = None
    error: BaseException | None = None


@dataclass
class BatchStats:
    """Counters of a :class:`MicroBatcher` (for the bench and logs): batches run and items served."""

    batches: int = 0
    items: int = 0
    largest: int = 0
    sizes: dict[int, int] = field(default_factory=dict)

    @property
    def mean_size(self) -> float:
        return self.items / self.batches if self.batches else 0.0


class MicroBatcher(Generic[In, Out]):
    """Runs ``fn`` (a list of items -> a list of results, same order and length) over items submitted
    concurrently, at most ``max_batch`` at a time, waiting at most ``max_wait_ms`` for a batch to fill.

    ``submit`` blocks until the item's result is ready and returns it (or raises the batch's exception);
    ``submit_many`` does the same for one caller's several items (queued together, so they share a pass).
    Thread-safe; no background thread; results are exactly what ``fn`` returns for the batch the item ran in.
    See the module docstring for an example.
    """

    def __init__(self, fn: Callable[[list[In]], Sequence[Out]], max_batch: int = 16, max_wait_ms: float = 2.0) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._fn = fn
        self.max_batch = max_batch
        self.max_wait_s = max(0.0, max_wait_ms) / 1000.0
        self._cond = threading.Condition()
        self._pending: list[_Slot[In, Out]] = []
        self._running = False
        self._crowded = False  # the previous batch had company: worth waiting for the next one to fill
        self._callers = 0
        self.stats = BatchStats()

    def submit(self, item: In) -> Out:
        return self.submit_many([item])[0]

    def submit_many(self, items: Sequence[In]) -> list[Out]:
        """Queue ``items`` together (one caller's several texts: they go in the same batch when it has room) and
        block until every result is ready; results in the order of ``items``."""
        with self._cond:
            self._callers += 1
            slots: list[_Slot[In, Out]] = [_Slot(item, self._callers) for item in items]
            self._pending.extend(slots)
            self._cond.notify_all()
        while True:
            with self._cond:
                while not all(s.done for s in slots) and self._running:
                    self._cond.wait()
                if all(s.done for s in slots):
                    return [self._outcome(s) for s in slots]
                self._running = True  # lead the next batch (the queue is served in arrival order)
                if self._crowded and self.max_wait_s > 0:
                    deadline = time.monotonic() + self.max_wait_s
                    while len(self._pending) < self.max_batch:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            break
                        self._cond.wait(left)
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            try:
                self._run(batch)
            finally:
                with self._cond:
                    self._running = False
                    self._crowded = len({s.owner for s in batch}) > 1
                    self._cond.notify_all()
            # these slots were in the batch (done) unless more than max_batch items were queued ahead of them

    def _run(self, batch: list[_Slot[In, Out]]) -> None:
        try:
            results = list(self._fn([s.item for s in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"batch function returned {len(results)} results for {len(batch)} items")
        except BaseException as exc:  # every caller in the batch sees the failure
            for s in batch:
                s.error, s.done = exc, True
            return
        for s, r in zip(batch, results, strict=True):
            s.result, s.done = r, True
        stats = self.stats
        stats.batches += 1
        stats.items += len(batch)
        stats.largest = max(stats.largest, len(batch))
        stats.sizes[len(batch)] = stats.sizes.get(len(batch), 0) + 1

    @staticmethod
    def _outcome(slot: _Slot[In, Out]) -> Out:
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]
