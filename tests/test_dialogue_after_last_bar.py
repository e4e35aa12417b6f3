"""The reading after the customer's last message has its own bar, `after_last_confidence` (dialogue 2026.12.10;
under 2026.12.9 it needed `neighbour_confidence`). A message the topic rule keeps on the topic, read after the
customer's last message when that is not the topic's question, answers from that reading's article when it is in
scope with at least `after_last_confidence` and the in-context reading (after the topic's question) ranks it first
or second: two readings after different texts agree, so the bar is lower than the one for a move on the in-context
reading alone. Without the in-context backing, or under the bar, the topic stays.

The rule on the committed thresholds, the tracker with hand-made readings (real encoder), and a conversation through
the real pipeline (real knowledge base, routing head and encoder)."""

from __future__ import annotations

import pytest
from dialogue_readings import conversation_turns, ranking

from assistant.answers.base import make_signals
from assistant.dialogue.config import DialogueThresholds
from assistant.dialogue.state import DialogueState, Topic
from assistant.dialogue.topic_rule import Reading, after_last_message
from assistant.integrations.encoder import shared_encoder
from assistant.pipeline import Pipeline
from assistant.stages.dialogue import DialogueDecision, DialogueTracker
from assistant.types import Encoded, Retrieval

TOPIC = "open-an-account"
OTHER = "unable-to-verify-identity"
QUESTION = "I want to open an account"
LAST = "I've got my passport ready"
MESSAGE = "the app keeps rejecting the photo of it"


def test_the_after_last_bar_sits_under_the_neighbour_bar(thresholds: DialogueThresholds) -> None:
    bar = thresholds.after_last_confidence
    assert 0 < bar < thresholds.neighbour_confidence
    backed = Reading(TOPIC, 0.8, True, OTHER)
    call = after_last_message(topic=TOPIC, in_context=backed, after_last=Reading(OTHER, bar, True, TOPIC), t=thresholds)
    assert call is not None
    assert (call.move, call.article_id) == ("neighbour", OTHER)
    # between the two bars it answers too (2026.12.9 kept the topic here)
    between = (bar + thresholds.neighbour_confidence) / 2
    call = after_last_message(
        topic=TOPIC, in_context=backed, after_last=Reading(OTHER, between, True, TOPIC), t=thresholds
    )
    assert call is not None and call.article_id == OTHER


def test_under_the_bar_or_without_backing_the_topic_stays(thresholds: DialogueThresholds) -> None:
    bar = thresholds.after_last_confidence
    backed = Reading(TOPIC, 0.8, True, OTHER)
    assert (
        after_last_message(
            topic=TOPIC, in_context=backed, after_last=Reading(OTHER, bar - 0.01, True, TOPIC), t=thresholds
        )
        is None
    )
    # over the bar, but the in-context reading does not rank the article in its first two
    unbacked = Reading(TOPIC, 0.8, True, "verify-my-identity")
    assert (
        after_last_message(topic=TOPIC, in_context=unbacked, after_last=Reading(OTHER, 0.8, True, TOPIC), t=thresholds)
        is None
    )


def _decide(tracker: DialogueTracker, after_last_confidence: float) -> DialogueDecision:
    """The tracker on MESSAGE with the topic set by QUESTION and LAST as the customer's last message: the message
    alone under the scope bar, in context the topic first and OTHER second, after LAST the reading given."""
    state = DialogueState(topic=Topic(TOPIC, "open_an_account"), layer="In short", query=QUESTION)
    alone = ranking((OTHER, 0.4), ("top-up-by-cash-or-cheque", 0.3), confidence=0.03)
    in_context = ranking((TOPIC, 0.5), (OTHER, 0.3), ("terminate-account", 0.1), confidence=0.8)
    after_last = ranking(
        (OTHER, 0.5), ("verify-my-identity", 0.3), ("top-up-by-cash-or-cheque", 0.1), confidence=after_last_confidence
    )

    def reread(text: str) -> Retrieval:
        assert text in (f"{QUESTION} {MESSAGE}", f"{LAST} {MESSAGE}")
        return in_context if text.startswith(QUESTION) else after_last

    encoded = Encoded(MESSAGE, shared_encoder().encode([MESSAGE])[0])
    return tracker.run(
        encoded=encoded, retrieval=alone, signals=make_signals(), state=state, reread=reread, previous=LAST
    )


def test_the_tracker_answers_from_the_article_after_the_last_message(tracker: DialogueTracker) -> None:
    t = tracker.config.thresholds
    between = (t.after_last_confidence + t.neighbour_confidence) / 2
    decision = _decide(tracker, between)
    assert (decision.kind, decision.article_id) == ("follow_up", OTHER)
    assert any(c.startswith("after the last message") for c in decision.cues)
    kept = _decide(tracker, t.after_last_confidence - 0.05)
    assert (kept.kind, kept.article_id) == ("follow_up", TOPIC)


# ---------------------------------------------------------------------------------------------- the real pipeline


@pytest.mark.integration
def test_a_reading_after_the_last_message_that_the_topic_reading_does_not_back_keeps_the_topic(
    real_kb_pipeline: Pipeline,
) -> None:
    # "could my card be blocked?" read after "I tried twice" is pin-blocked, between the two bars; read after the
    # topic's question it is the declined payment, then card-not-working: nothing backs the move, the topic stays
    turns = conversation_turns(
        real_kb_pipeline,
        "after-last-bar-1",
        "my payment at the shop was declined",
        "I tried twice",
        "could my card be blocked?",
    )
    assert turns[0][1] == "declined-card-payment"
    assert turns[2] == ("follow_up", "declined-card-payment", "declined-card-payment")
