"""What the dialogue tracker's tests share (the warmed tracker itself is conftest's ``tracker`` fixture): an active
closing-an-account topic, and router readings built by hand (article ids with their shares and a confidence)."""

from __future__ import annotations

from assistant.dialogue.state import DialogueState, Topic
from assistant.types import Passage, Retrieval

CLOSING = DialogueState(
    topic=Topic("terminate-account", "terminate_account"), layer="In short", query="how do I close my account"
)


def ranking(*ranked: tuple[str, float], confidence: float) -> Retrieval:
    """A reading ranking ``ranked`` (article id, share) with ``confidence``; in scope at 0.35 and above."""
    passages = tuple(Passage(aid, aid, "In short", "text", share) for aid, share in ranked)
    return Retrieval(passages, tuple(a for a, _ in ranked), confidence, confidence >= 0.35)
