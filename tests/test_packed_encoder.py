"""One turn's texts in one packed encoder pass give, bit for bit, the vectors of the separate passes they replace.

Real encoder and the shipped adapters. A turn queues its message (every view), the message read after the topic's
question (shared vector and routing view) and the window over its last turns (crisis view alone) together; the
packed pass stacks their token rows for the linear layers and runs attention per group. Each vector must equal
what the message pass (``encode_multi`` over the message-pass texts) and the window pass (``encode_view`` over the
windows) give, with no tolerance: a decision cannot move by a last bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.integrations.encoder import LayeredEncoder
from assistant.integrations.packed import SMALL_ROWS, packable
from assistant.settings import Settings
from assistant.signals.crisis_view import window_text
from assistant.stages.encode import MESSAGE, READING, WINDOW, MessageEncoder
from assistant.types import Encoded

CONVERSATION = [
    "My account isn't showing the refund",
    "I need another card",
    "Someone may have made an error in figuring out the rate of exchange. I should have received more cash.",
    "How long will it take for me to get my card?",
    "ok",
    "I can't cope with any of this any more, it's all pointless",
]


@pytest.fixture(scope="module")
def encoder() -> MessageEncoder:
    enc = MessageEncoder(Settings(environment="test", data_dir=Path("/nonexistent"), encode_batch_max=16))
    enc.warm_up()
    if not isinstance(enc.encoder, LayeredEncoder) or enc.crisis_adapter is None:
        pytest.skip("needs the layered encoder and the crisis view's adapter")
    return enc


def _turns() -> list[tuple[str, str | None, str | None]]:
    """(message, its reading after the previous message, window over the last turns) along the conversation."""
    out: list[tuple[str, str | None, str | None]] = []
    for i, text in enumerate(CONVERSATION):
        earlier = CONVERSATION[:i]
        reading = f"{earlier[-1]} {text}" if earlier else None
        out.append((text, reading, window_text(text, earlier)))
    return out


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and np.array_equal(a, b))


def _assert_full(got: Encoded, want: Encoded) -> None:
    assert got.text == want.text
    for name in ("vector", "routing_vector", "crisis_vector", "service_vector"):
        assert _same(getattr(got, name), getattr(want, name)), (got.text, name)


def test_a_turn_in_one_pass_gets_the_vectors_of_the_separate_passes(encoder: MessageEncoder) -> None:
    for message, reading, window in _turns():
        encoded, in_context, view = encoder.run_turn(message, reading, window)
        separate = encoder._encode_rows([message, *([reading] if reading else [])])
        _assert_full(encoded, separate[0])
        if reading is None:
            assert in_context is None
        else:
            assert in_context is not None
            assert np.array_equal(in_context.vector, separate[1].vector)
            assert _same(in_context.routing_vector, separate[1].routing_vector)
            assert in_context.crisis_vector is None and in_context.service_vector is None  # nothing reads them
        if window is None:
            assert view is None
        else:
            assert _same(view, encoder._crisis_views([window])[0])


def test_several_turns_sharing_a_pass_get_their_own_groups_vectors(encoder: MessageEncoder) -> None:
    """As under concurrency: three turns' texts in one batch; the message-pass texts pad together, the windows
    together, exactly as the two separate batched passes pad them."""
    items: list[tuple[str, str]] = []
    for message, reading, window in _turns()[1:4]:
        items += [(MESSAGE, message), (READING, reading or ""), (WINDOW, window or "")]
    got = encoder._encode_items(items)  # type: ignore[arg-type]
    texts = [t for k, t in items if k != WINDOW]
    windows = [t for k, t in items if k == WINDOW]
    rows = iter(encoder._encode_rows(texts))
    views = iter(encoder._crisis_views(windows))
    for (kind, _), result in zip(items, got, strict=True):
        if kind == WINDOW:
            assert isinstance(result, np.ndarray) and _same(result, next(views))
        else:
            want = next(rows)
            assert isinstance(result, Encoded)
            assert np.array_equal(result.vector, want.vector) and _same(result.routing_vector, want.routing_vector)
            if kind == MESSAGE:
                _assert_full(result, want)


def test_a_reading_alone_is_the_message_pass_without_the_views_it_does_not_need(encoder: MessageEncoder) -> None:
    text = "How long will it take for me to get my card? I need another card"
    reading, full = encoder.run_reading(text), encoder._encode_rows([text])[0]
    assert np.array_equal(reading.vector, full.vector) and _same(reading.routing_vector, full.routing_vector)
    assert reading.crisis_vector is None and reading.service_vector is None


def test_tiny_passes_are_not_packed_and_still_give_the_separate_vectors(encoder: MessageEncoder) -> None:
    """A one-word message alone is 3 token rows: the BLAS multiplies 1-3 rows another way, so it is left to the
    separate passes (same vectors as before)."""
    assert not packable([SMALL_ROWS, 40]) and packable([SMALL_ROWS + 1, 40]) and packable([12, 0])
    encoded, _, view = encoder.run_turn("ok", None, "I need another card\nok")
    _assert_full(encoded, encoder._encode_rows(["ok"])[0])
    assert _same(view, encoder._crisis_views(["I need another card\nok"])[0])
