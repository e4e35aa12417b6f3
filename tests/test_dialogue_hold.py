"""A confident reading of the message alone that holds its ground after the topic's question leaves the topic
(``hold_confidence``, ``hold_share`` of ``prompts/dialogue.yaml``; ``assistant/dialogue/topic_rule.py``).

"cancel it?" after a pending-transfer question: alone the router reads cancel-transfer; with the topic's question in
front of it pending-transfer comes first, but cancel-transfer keeps a fair share in second place. The message names
its own subject, so it is answered as a new topic rather than from the pending-transfer article. A follow-up whose
article trails far behind the topic in context stays, and so does one the router is unsure of alone ("how long does
that take?" after a lost card: card-delivery-estimate second in context, but only 0.61 alone).

Real knowledge base and encoder; the router's rankings are given as Retrievals (the stage's inputs)."""

from __future__ import annotations

import pytest
from dialogue_readings import ranking, run_with_readings

from assistant.dialogue.config import DialogueThresholds
from assistant.dialogue.state import DialogueState, Topic
from assistant.dialogue.topic_rule import Reading, TopicCall, read_topic
from assistant.stages.dialogue import DialogueTracker

PENDING = DialogueState(
    topic=Topic("pending-transfer", "pending_transfer"), layer="In short", query="my transfer is still pending"
)
LOST = DialogueState(
    topic=Topic("lost-or-stolen-card", "lost_or_stolen_card"), layer="In short", query="I lost my card"
)


@pytest.fixture(scope="module")
def thresholds(tracker: DialogueTracker) -> DialogueThresholds:
    return tracker.config.thresholds


def _call(
    thresholds: DialogueThresholds, alone: Reading, in_context: Reading, *, cue: bool = True, upset: bool = False
) -> TopicCall:
    return read_topic(
        topic="pending-transfer",
        alone=alone,
        in_context=in_context,
        cue=cue,
        upset=upset,
        close_to_topic=True,
        t=thresholds,
    )


def test_the_thresholds_are_read_from_the_prompts(thresholds: DialogueThresholds) -> None:
    assert 0 < thresholds.hold_share < 1 and 0 < thresholds.hold_confidence < 1


def test_a_reading_holds_an_article_among_its_first_two_with_a_fair_share() -> None:
    reading = Reading.of(ranking(("pending-transfer", 0.5), ("cancel-transfer", 0.3), ("x", 0.2), confidence=0.6))
    assert reading.holds("cancel-transfer", 0.2)
    assert not reading.holds("cancel-transfer", 0.7)  # 0.3 / 0.5 = 0.6
    assert not reading.holds("x", 0.2)  # third
    assert not Reading("pending-transfer", 0.6, True).holds("cancel-transfer", 0.2)  # no ranking known


def test_a_confident_reading_that_holds_in_context_leaves_the_topic(thresholds: DialogueThresholds) -> None:
    alone = Reading("cancel-transfer", 0.85, True, (("cancel-transfer", 0.6), ("pending-transfer", 0.2)))
    in_context = Reading("pending-transfer", 0.61, True, (("pending-transfer", 0.57), ("cancel-transfer", 0.33)))
    # upset and pointing back at the topic ("it?"): the margins alone would keep it on the topic
    call = _call(thresholds, alone, in_context, cue=True, upset=True)
    assert (call.move, call.article_id) == ("switch", "cancel-transfer")


def test_a_reading_that_agrees_in_context_is_a_new_topic_even_with_a_cue(thresholds: DialogueThresholds) -> None:
    alone = Reading("card-acceptance", 0.93, True, (("card-acceptance", 0.7), ("visa-or-mastercard", 0.2)))
    in_context = Reading("card-acceptance", 0.78, True, (("card-acceptance", 0.54), ("pending-transfer", 0.39)))
    call = _call(thresholds, alone, in_context, cue=True)
    assert (call.move, call.article_id) == ("new", "card-acceptance")


def test_an_article_far_behind_the_topic_in_context_does_not_hold(thresholds: DialogueThresholds) -> None:
    alone = Reading("card-delivery-estimate", 0.9, True, (("card-delivery-estimate", 0.6), ("card-arrival", 0.3)))
    in_context = Reading("pending-transfer", 0.99, True, (("pending-transfer", 0.9), ("card-delivery-estimate", 0.01)))
    assert _call(thresholds, alone, in_context).move == "stay"


def test_an_unsure_reading_alone_does_not_hold(thresholds: DialogueThresholds) -> None:
    alone = Reading("cancel-transfer", 0.6, True, (("cancel-transfer", 0.6), ("pending-transfer", 0.2)))
    in_context = Reading("pending-transfer", 0.9, True, (("pending-transfer", 0.5), ("cancel-transfer", 0.4)))
    assert _call(thresholds, alone, in_context).move == "stay"


def test_through_the_stage_cancel_it_leaves_a_pending_transfer(tracker: DialogueTracker) -> None:
    alone = ranking(("cancel-transfer", 0.6), ("pending-transfer", 0.2), confidence=0.85)
    in_context = ranking(("pending-transfer", 0.57), ("cancel-transfer", 0.33), confidence=0.61)
    decision = run_with_readings(tracker, "cancel it?", PENDING, alone, in_context)
    assert decision.kind == "new_topic" and decision.article_id is None  # the router's own reading answers


def test_through_the_stage_how_long_after_a_lost_card_stays(tracker: DialogueTracker) -> None:
    alone = ranking(("card-delivery-estimate", 0.6), ("card-arrival", 0.3), confidence=0.61)
    in_context = ranking(("lost-or-stolen-card", 0.7), ("card-delivery-estimate", 0.16), confidence=0.73)
    decision = run_with_readings(tracker, "how long does that take?", LOST, alone, in_context)
    assert (decision.kind, decision.article_id) == ("follow_up", "lost-or-stolen-card")
