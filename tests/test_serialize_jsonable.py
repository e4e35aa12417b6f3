"""``to_jsonable`` (per-class field names cached, plain values returned without a call) gives what the plain
recursive version gave, key order included; ``reply_payload`` never serialises the fields it drops."""

from __future__ import annotations

import dataclasses
import json
from enum import StrEnum
from typing import Any

import numpy as np

from assistant.conversations.records import reply_payload
from assistant.serialize import dataclass_jsonable, to_jsonable
from assistant.types import Choice, Citation, Encoded, Escalation, Reply, Signals, Style, Verdict


def reference(obj: Any) -> Any:
    """``to_jsonable`` as it was before stop 41."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: reference(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.repr}
    if isinstance(obj, dict):
        return {str(k): reference(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [reference(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 4)
    if hasattr(obj, "item"):
        return reference(obj.item())
    return obj


class Colour(StrEnum):
    RED = "red"


def _signals() -> Signals:
    return Signals(
        sentiment="negative",
        sentiment_score=-0.123456789,
        sentiment_probs={"positive": np.float32(0.1), "neutral": 0.2, "negative": np.float64(0.712345)},
        distress="mild",
        distress_probs={"none": 0.3, "mild": 0.7, "high": 0.0, "crisis": 0.0},
        vulnerability=("health",),
        vulnerability_probs={"health": 0.91234567},
        handoff_requested=False,
        handoff_prob=np.float64(0.05),  # type: ignore[arg-type]
        literacy="novice",
        literacy_confidence=0.66666,
        literacy_message="novice",
        literacy_probs={"novice": 1.0},
        cues={"distress": ("worried", "scared"), "complaint": ()},
        misuse_probs={"fraud": 0.00001},
        crisis_similarity=np.float32(0.3),  # type: ignore[arg-type]
    )


def _reply() -> Reply:
    return Reply(
        conversation_id="c1",
        turn_index=np.int64(3),  # type: ignore[arg-type]
        status="answered",
        text="Your card arrives in 3 to 5 working days.",
        style=Style("warm", "plain", 6.0, "short", rules=("r1", "r2")),
        citations=(Citation("card-arrival", "Card arrival", "In short", 0.87654321),),
        signals=_signals(),
        grounding_score=1.0,
        reading_grade=None,
        escalation=Escalation(escalate=False, cues=(("a", "b"), ()), offer=True),
        timings_ms={"encode": 12.345678, "retrieve": 1},
        generator="extractive",
        verdict=Verdict("x", 0.9, 5.5, 6.0, True, dropped_sentences=("y",)),
        choices=(Choice("c1", "card-arrival", "Card"),),
        redacted_entities=("CARD_NUMBER",),
    )


def test_to_jsonable_matches_the_reference_key_order_included() -> None:
    encoded = Encoded("hi", np.zeros(3, dtype=np.float32))
    values: list[Any] = [
        _reply(),
        _signals(),
        encoded,  # repr=False fields left out
        Reply,  # a dataclass class is not serialised as one
        {1: Colour.RED, "k": [np.float32(1.5), (True, None, 2)], "n": {"m": 0.333333333}},
        [Colour.RED, b"bytes", np.int32(7), 3.14159265],
        (),
        0.1 + 0.2,
        True,
        None,
        "text",
        np.bool_(True),
    ]
    for value in values:
        want = reference(value)
        got = to_jsonable(value)
        assert got == want
        assert json.dumps(got, default=repr) == json.dumps(want, default=repr)  # same keys in the same order
        assert [type(x) for x in _leaves(got)] == [type(x) for x in _leaves(want)]


def test_reply_payload_is_the_reply_without_its_text_and_signals() -> None:
    reply = _reply()
    want = reference(reply)
    want.pop("text")
    want.pop("signals")
    want["status"] = "escalated"
    got = reply_payload(reply, "escalated")
    assert json.dumps(got) == json.dumps(want)
    assert dataclass_jsonable(reply) == reference(reply)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]
