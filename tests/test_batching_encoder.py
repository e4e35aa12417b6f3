"""Micro-batching: concurrent callers share one batch call; each gets exactly its own result from that call.

The batcher's behaviour is pinned with a batch function that holds its first call until the others have queued,
so every batch's composition is known and the tests do not depend on thread timing. The encoder checks compare a
batched message's vectors with the same batch encoded directly (bit for bit: same inputs, same pass) and its
decisions with the single-message path.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from assistant.integrations.batching import MicroBatcher
from assistant.integrations.encoder import HashingEncoder
from assistant.settings import Settings
from assistant.stages.classify import SignalClassifier
from assistant.stages.encode import MessageEncoder
from assistant.types import Encoded, Redacted

TEXTS = [
    "I think someone stole my card",
    "what's the exchange rate for dollars",
    "how much can I top up?",
    "I lost my job and can't pay my overdraft",
    "I want to speak to a real person",
    "where is my new card, it has been two weeks",
]


class HeldBatches:
    """A batch function whose first call waits until ``expected`` callers have queued (then runs normally)."""

    def __init__(self, batcher_ref: list[MicroBatcher[str, str]], expected: int, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.release = threading.Event()
        self.batcher_ref = batcher_ref
        self.expected = expected
        self.fail_on = fail_on

    def __call__(self, items: list[str]) -> list[str]:
        if not self.calls:
            deadline = time.monotonic() + 30
            while len(self.batcher_ref[0]._pending) < self.expected and time.monotonic() < deadline:
                time.sleep(0.001)
        self.calls.append(list(items))
        if self.fail_on in items:
            raise ValueError(f"bad item {self.fail_on}")
        return [s.upper() for s in items]


def _held(max_batch: int, expected: int, fail_on: str | None = None) -> tuple[MicroBatcher[str, str], HeldBatches]:
    ref: list[MicroBatcher[str, str]] = []
    fn = HeldBatches(ref, expected, fail_on)
    batcher: MicroBatcher[str, str] = MicroBatcher(fn, max_batch=max_batch, max_wait_ms=0.0)
    ref.append(batcher)
    return batcher, fn


def _submit_all(batcher: MicroBatcher[str, str], items: list[str]) -> list[str | BaseException]:
    """Submit ``items[0]`` first (it leads and is held), then the rest from their own threads."""
    out: list[str | BaseException] = [""] * len(items)

    def one(i: int) -> None:
        try:
            out[i] = batcher.submit(items[i])
        except BaseException as exc:
            out[i] = exc

    first = threading.Thread(target=one, args=(0,))
    first.start()
    while not batcher._running:
        time.sleep(0.001)
    rest = [threading.Thread(target=one, args=(i,)) for i in range(1, len(items))]
    for t in rest:
        t.start()
    for t in [first, *rest]:
        t.join(timeout=60)
    return out


def test_a_lone_call_runs_at_once_in_a_batch_of_one() -> None:
    batcher, fn = _held(max_batch=8, expected=0)
    assert batcher.submit("a") == "A" and batcher.submit("b") == "B"
    assert fn.calls == [["a"], ["b"]]
    assert batcher.stats.batches == 2 and batcher.stats.largest == 1


def test_callers_queued_behind_a_batch_share_the_next_one_in_arrival_order() -> None:
    items = ["a", "b", "c", "d", "e"]
    batcher, fn = _held(max_batch=8, expected=4)
    assert _submit_all(batcher, items) == ["A", "B", "C", "D", "E"]
    assert fn.calls[0] == ["a"] and sorted(fn.calls[1]) == ["b", "c", "d", "e"] and len(fn.calls) == 2


def test_batches_never_exceed_the_size_bound() -> None:
    items = [f"x{i}" for i in range(10)]
    batcher, fn = _held(max_batch=3, expected=9)
    assert _submit_all(batcher, items) == [s.upper() for s in items]
    assert [len(c) for c in fn.calls] == [1, 3, 3, 3]
    assert batcher.stats.items == 10 and batcher.stats.largest == 3


def test_a_failing_batch_fails_every_caller_in_it_and_no_other() -> None:
    items = ["a", "b", "bad", "c"]
    batcher, fn = _held(max_batch=8, expected=3, fail_on="bad")
    out = _submit_all(batcher, items)
    assert out[0] == "A"
    assert all(isinstance(o, ValueError) for o in out[1:])
    assert batcher.submit("d") == "D"  # the batcher recovers


def test_one_callers_items_share_a_pass_and_do_not_make_a_crowd() -> None:
    batcher, fn = _held(max_batch=8, expected=0)
    assert batcher.submit_many(["a", "b"]) == ["A", "B"]
    assert fn.calls == [["a", "b"]] and batcher.stats.largest == 2
    assert not batcher._crowded  # a lone turn's message and its second reading: the next pass does not wait


def test_several_items_queued_behind_a_batch_go_together_in_the_next() -> None:
    batcher, fn = _held(max_batch=8, expected=2)
    out: list[list[str]] = []
    first = threading.Thread(target=lambda: out.append([batcher.submit("a")]))
    first.start()
    while not batcher._running:
        time.sleep(0.001)
    pair = threading.Thread(target=lambda: out.append(batcher.submit_many(["b", "c"])))
    pair.start()
    for t in (first, pair):
        t.join(timeout=60)
    assert sorted(out) == [["A"], ["B", "C"]]
    assert fn.calls == [["a"], ["b", "c"]]


def test_the_wait_bound_lets_a_crowd_fill_a_batch() -> None:
    calls: list[int] = []
    batcher: MicroBatcher[int, int] = MicroBatcher(lambda xs: (calls.append(len(xs)), xs)[1], 4, max_wait_ms=50.0)
    batcher._crowded = True  # as after a shared batch
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(batcher.submit, range(4))) == [0, 1, 2, 3]
    assert sum(calls) == 4


@pytest.fixture(scope="module")
def encoder() -> MessageEncoder:
    enc = MessageEncoder(Settings(environment="test", data_dir=Path("/nonexistent"), encode_batch_max=16))
    enc.warm_up()
    return enc


def _concurrent_encodes(enc: MessageEncoder, texts: list[str]) -> tuple[list[Encoded], list[list[str]]]:
    """Encode ``texts`` on their own threads through a MicroBatcher over the encode stage's batch pass, the first
    pass held until all others queued; returns the results and the batches the passes ran (known composition)."""
    seen: list[list[str]] = []
    ref: list[MicroBatcher[str, Encoded]] = []

    def held(batch: list[str]) -> list[Encoded]:
        if not seen:
            deadline = time.monotonic() + 60
            while len(ref[0]._pending) < len(texts) - 1 and time.monotonic() < deadline:
                time.sleep(0.001)
        seen.append(list(batch))
        return enc.run_batch([Redacted(text=t) for t in batch])

    batcher: MicroBatcher[str, Encoded] = MicroBatcher(held, max_batch=16, max_wait_ms=0.0)
    ref.append(batcher)
    out: list[Encoded | None] = [None] * len(texts)

    def one(i: int) -> None:
        out[i] = batcher.submit(texts[i])

    first = threading.Thread(target=one, args=(0,))
    first.start()
    while not batcher._running:
        time.sleep(0.001)
    rest = [threading.Thread(target=one, args=(i,)) for i in range(1, len(texts))]
    for t in rest:
        t.start()
    for t in [first, *rest]:
        t.join(timeout=120)
    assert all(o is not None for o in out)
    return [o for o in out if o is not None], seen


def test_the_encode_stage_runs_concurrent_messages_through_its_batcher(encoder: MessageEncoder) -> None:
    before = encoder.batcher.stats.items
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda t: encoder.run(redacted=Redacted(text=t)), TEXTS))
    assert [e.text for e in got] == TEXTS and encoder.batcher.stats.items == before + len(TEXTS)


def test_batched_vectors_are_those_of_the_same_batch_encoded_directly(encoder: MessageEncoder) -> None:
    got, batches = _concurrent_encodes(encoder, TEXTS)
    assert batches[0] == [TEXTS[0]] and sorted(batches[1]) == sorted(TEXTS[1:])
    direct = {e.text: e for b in batches for e in encoder.run_batch([Redacted(text=t) for t in b])}
    for e in got:
        assert np.array_equal(e.vector, direct[e.text].vector)
        if e.routing_vector is not None:
            assert np.array_equal(e.routing_vector, direct[e.text].routing_vector)


def test_batched_messages_get_the_single_message_decisions(encoder: MessageEncoder) -> None:
    classifier = SignalClassifier(Settings(environment="test"))
    classifier.warm_up()
    got, _ = _concurrent_encodes(encoder, TEXTS)
    for e in got:
        alone = encoder.run_batch([Redacted(text=e.text)])[0]
        a, b = classifier.run(encoded=e), classifier.run(encoded=alone)
        assert (a.sentiment, a.distress, a.vulnerability, a.handoff_requested, a.literacy, a.misuse) == (
            b.sentiment,
            b.distress,
            b.vulnerability,
            b.handoff_requested,
            b.literacy,
            b.misuse,
        )
        top = np.argsort(-(e.vector @ np.stack([g.vector for g in got]).T))[:3]
        top_alone = np.argsort(-(alone.vector @ np.stack([g.vector for g in got]).T))[:3]
        assert top.tolist() == top_alone.tolist()


def test_a_window_gets_only_the_crisis_view_the_full_pass_would_give(encoder: MessageEncoder) -> None:
    """``run_window`` (the crisis view of a window over the last turns) equals the crisis vector of the full pass,
    also when concurrent windows share a pass; without the crisis view's adapter it is None."""
    windows = [f"{a}\n{b}" for a, b in zip(TEXTS, TEXTS[1:], strict=False)]
    full = {e.text: e.crisis_vector for e in encoder.run_batch([Redacted(text=w) for w in windows])}
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(encoder.run_window, windows))
    for w, view in zip(windows, got, strict=True):
        if full[w] is None:
            assert view is None
        else:
            assert view is not None and np.allclose(view, full[w], atol=1e-5)
    assert any(v is not None for v in got)
    hashing = MessageEncoder(Settings(environment="test", data_dir=Path("/nonexistent")), encoder=HashingEncoder())
    assert hashing.run_window(windows[0]) is None
