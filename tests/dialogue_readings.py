"""What the dialogue tracker's tests share (the warmed tracker itself is conftest's ``tracker`` fixture): an active
closing-an-account topic, and router readings built by hand (article ids with their shares and a confidence)."""

from __future__ import annotations

from assistant.answers.base import make_signals
from assistant.dialogue.state import DialogueState, Topic
from assistant.integrations.encoder import shared_encoder
from assistant.pipeline import Pipeline
from assistant.stages.dialogue import DialogueDecision, DialogueTracker
from assistant.types import Encoded, Passage, Retrieval
from eval.suite_runs.multiturn import _Chat

CLOSING = DialogueState(
    topic=Topic("terminate-account", "terminate_account"), layer="In short", query="how do I close my account"
)


def ranking(*ranked: tuple[str, float], confidence: float) -> Retrieval:
    """A reading ranking ``ranked`` (article id, share) with ``confidence``; in scope at 0.35 and above."""
    passages = tuple(Passage(aid, aid, "In short", "text", share) for aid, share in ranked)
    return Retrieval(passages, tuple(a for a, _ in ranked), confidence, confidence >= 0.35)


def run_with_readings(
    tracker: DialogueTracker, text: str, state: DialogueState, alone: Retrieval, in_context: Retrieval
) -> DialogueDecision:
    """The tracker's decision on ``text`` with ``alone`` as its own reading and ``in_context`` as its reading after
    the topic's question."""
    encoded = Encoded(text, shared_encoder().encode([text])[0])
    return tracker.run(
        encoded=encoded, retrieval=alone, signals=make_signals(), state=state, reread=lambda _: in_context
    )


Turn = tuple[str | None, str | None, str | None]


def conversation_turns(pipeline: Pipeline, cid: str, *texts: str) -> list[Turn]:
    """One conversation through ``pipeline`` as the dialogue suite runs it (the state carried between turns): for
    each message, (dialogue kind, first cited article, active topic after the turn). Every reply must cite an
    article (a reply that answers and hands off, as for a lost phone, counts)."""
    chat = _Chat(pipeline, cid)
    out: list[Turn] = []
    for text in texts:
        outcome = chat.say(text)
        reply = outcome.reply
        assert reply.citations, (text, reply.status)
        topic = outcome.dialogue.topic.article_id if outcome.dialogue.topic is not None else None
        out.append((reply.dialogue, reply.citations[0].article_id, topic))
    return out
