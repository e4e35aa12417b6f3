"""A follow-up the router is unsure of gets a clarifying question; when the message read with the active topic's
question in front of it ranks the topic first or second, the topic is one of the choices.

Real knowledge base and encoder; the router's rankings are given as Retrievals (the stage's inputs)."""

from __future__ import annotations

from dialogue_readings import ranking

from assistant.answers.base import make_signals
from assistant.dialogue.state import DialogueState, Topic
from assistant.integrations.encoder import shared_encoder
from assistant.stages.dialogue import DialogueDecision, DialogueTracker
from assistant.types import Encoded, Retrieval


def _run(
    tracker: DialogueTracker, text: str, state: DialogueState, alone: Retrieval, in_context: Retrieval
) -> DialogueDecision:
    encoded = Encoded(text, shared_encoder().encode([text])[0])
    return tracker.run(
        encoded=encoded, retrieval=alone, signals=make_signals(), state=state, reread=lambda _: in_context
    )


def test_a_clarifying_question_offers_the_topic_ranked_second_in_context(tracker: DialogueTracker) -> None:
    state = DialogueState(
        topic=Topic("cash-withdrawal-not-recognised", None),
        layer="In short",
        query="there's a cash withdrawal I didn't make",
    )
    alone = ranking(
        ("sent-money-to-wrong-account", 0.4), ("request-refund", 0.3), ("reverted-card-payment", 0.2), confidence=0.48
    )
    in_context = ranking(("sent-money-to-wrong-account", 0.4), ("cash-withdrawal-not-recognised", 0.3), confidence=0.43)
    decision = _run(tracker, "I get the money back?", state, alone, in_context)
    assert decision.kind == "clarify"
    assert decision.choices[-1].article_id == "cash-withdrawal-not-recognised"
    third = ranking(("sent-money-to-wrong-account", 0.4), ("request-refund", 0.3), ("x", 0.1), confidence=0.43)
    plain = _run(tracker, "I get the money back?", state, alone, third)
    assert "cash-withdrawal-not-recognised" not in [c.article_id for c in plain.choices]
