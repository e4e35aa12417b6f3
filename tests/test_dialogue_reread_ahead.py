"""The dialogue stage's second reading (the message after the active topic's question) encoded ahead, in the
message's own pass, gives every turn the decision it gets when the reading is encoded on its own when needed.

Real conversations (the first rows of ``data/dialogue/dev.jsonl``) through the real pipeline, knowledge base and
encoder: once sequentially with ``dialogue_reread_ahead`` off (the reading encoded alone, as before), once with it
on and several conversations at once on their own threads (so the message, its reading and other turns' messages
share batched passes). Each turn's decision (dialogue kind, status, text, citations, the state after it) must be
the same.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.dialogue.state import DialogueState, Topic
from assistant.pipeline import DialogueContext, Pipeline
from assistant.settings import Settings
from assistant.types import Message, Redacted, Signals

DEV = Path(__file__).resolve().parent.parent / "data" / "dialogue" / "dev.jsonl"
CONVERSATIONS = 24  # the first rows of dev.jsonl (about 90 turns, a third of them read in context)


@pytest.fixture(scope="module")
def data_dir(real_kb_data_dir: Path) -> Path:
    return real_kb_data_dir


def _pipeline(data_dir: Path, ahead: bool) -> Pipeline:
    p = Pipeline.from_settings(Settings(environment="test", data_dir=data_dir, dialogue_reread_ahead=ahead))
    p.warm_up()
    return p


@pytest.fixture(scope="module")
def sequential(data_dir: Path) -> Iterator[Pipeline]:
    yield _pipeline(data_dir, ahead=False)


@pytest.fixture(scope="module")
def ahead(data_dir: Path) -> Iterator[Pipeline]:
    yield _pipeline(data_dir, ahead=True)


def _conversations() -> list[tuple[str, list[str]]]:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["id"], [t["text"] for t in r["turns"]]) for r in rows[:CONVERSATIONS]]


@dataclass
class _Run:
    decisions: list[dict[str, Any]]
    read_ahead: int  # turns whose second reading was encoded in the message's pass


def _chat(p: Pipeline, cid: str, texts: list[str]) -> _Run:
    history: list[Signals] = []
    failed, state = 0, DialogueState()
    out: list[dict[str, Any]] = []
    read_ahead = 0
    for text in texts:
        context = DialogueContext(history=tuple(history), failed_turns=failed, state=state)
        message = Message(cid, text)
        understanding = p.understand(message, context)
        read_ahead += understanding.in_context is not None
        outcome = p.respond(message, understanding, context)
        reply = outcome.reply
        if reply.signals is not None:
            history.append(reply.signals)
        failed, state = outcome.failed_turns, outcome.dialogue
        out.append(
            {
                "dialogue": reply.dialogue,
                "status": reply.status,
                "text": reply.text,
                "citations": [(c.article_id, c.section) for c in reply.citations],
                "choices": [c.article_id for c in reply.choices],
                "topic": state.topic,
                "layer": state.layer,
                "passed_over": state.passed_over,
            }
        )
    return _Run(out, read_ahead)


@pytest.mark.integration
def test_reading_ahead_in_shared_passes_keeps_every_decision(sequential: Pipeline, ahead: Pipeline) -> None:
    conversations = _conversations()
    expected = {cid: _chat(sequential, cid, texts) for cid, texts in conversations}
    start = threading.Barrier(4)

    def run(item: tuple[str, list[str]]) -> tuple[str, _Run]:
        try:
            start.wait(timeout=60)  # the first four start together, so their passes really overlap
        except threading.BrokenBarrierError:
            pass
        return item[0], _chat(ahead, *item)

    before = ahead.encoder.batcher.stats.items
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = dict(pool.map(run, conversations))
    for cid, _ in conversations:
        assert got[cid].decisions == expected[cid].decisions, cid
    turns = sum(len(texts) for _, texts in conversations)
    read_ahead = sum(r.read_ahead for r in got.values())
    assert expected[conversations[0][0]].read_ahead == 0  # off: never read ahead
    assert read_ahead >= turns // 5  # the follow-up turns of these conversations
    assert ahead.encoder.batcher.stats.items - before >= turns + read_ahead


def test_the_reading_ahead_is_the_text_the_stage_reads(ahead: Pipeline) -> None:
    state = DialogueState(
        topic=Topic("terminate-account", "terminate_account"), layer="In short", query="how do I close my account?"
    )
    tracker = ahead.dialogue
    text = "what happens to the money left in it?"
    assert tracker.expected_reread(state, text) == tracker.in_context_text(state, text)
    assert tracker.in_context_text(state, text) == f"how do I close my account? {text}"
    understanding = ahead.understand(Message("c", text), DialogueContext(state=state))
    assert understanding.in_context is not None and understanding.in_context.text == tracker.in_context_text(
        state, text
    )
    # the words alone settle these turns: nothing is read ahead
    for settled in ("thanks, that's all", "tell me more", "that didn't help", "that is too complicated"):
        assert tracker.expected_reread(state, settled) is None, settled
    assert tracker.expected_reread(DialogueState(), text) is None  # no active topic
    alone = ahead.encoder.run(redacted=Redacted(understanding.in_context.text))  # encoded on its own
    assert np.allclose(alone.vector, understanding.in_context.vector, atol=1e-5)
    if alone.routing_vector is not None:
        assert np.allclose(alone.routing_vector, understanding.in_context.routing_vector, atol=1e-5)
