"""A follow-up the router is unsure of gets a clarifying question; when the message read with the active topic's
question in front of it ranks the topic first or second, the topic is one of the choices.

Real knowledge base and encoder; the router's rankings are given as Retrievals (the stage's inputs)."""

from __future__ import annotations

from dialogue_readings import ranking, run_with_readings

from assistant.dialogue.state import DialogueState, Topic
from assistant.stages.dialogue import DialogueTracker


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
    decision = run_with_readings(tracker, "I get the money back?", state, alone, in_context)
    assert decision.kind == "clarify"
    assert decision.choices[-1].article_id == "cash-withdrawal-not-recognised"
    third = ranking(("sent-money-to-wrong-account", 0.4), ("request-refund", 0.3), ("x", 0.1), confidence=0.43)
    plain = run_with_readings(tracker, "I get the money back?", state, alone, third)
    assert "cash-withdrawal-not-recognised" not in [c.article_id for c in plain.choices]
