"""A message the in-context reading (after the topic's question) reads as the topic, but with less than
`neighbour_confidence` and with another article second, leaves the topic for that article when the message read
alone puts it first, in scope, with at least `alone_second_confidence`: both readings point at the other article
(dialogue 2026.12.11). Before, the topic stayed whenever the reading alone was less confident than the in-context
one. Under either bar, or when the in-context reading ranks another article second, the topic stays.

The rule on the committed thresholds, and the tracker with hand-made router readings (real encoder, real tracker)."""

from __future__ import annotations

from dialogue_readings import ranking

from assistant.answers.base import make_signals
from assistant.dialogue.config import DialogueThresholds
from assistant.dialogue.state import DialogueState, Topic
from assistant.dialogue.topic_rule import Reading, TopicCall, read_topic
from assistant.integrations.encoder import shared_encoder
from assistant.stages.dialogue import DialogueDecision, DialogueTracker
from assistant.types import Encoded, Retrieval

TOPIC = "lost-or-stolen-phone"
OTHER = "new-phone-move-app"


def _call(
    t: DialogueThresholds, alone: float, in_context: float, second: str = OTHER, *, upset: bool = False
) -> TopicCall:
    return read_topic(
        topic=TOPIC,
        alone=Reading(OTHER, alone, True, TOPIC),
        in_context=Reading(TOPIC, in_context, True, second),
        cue=False,
        upset=upset,
        close_to_topic=True,
        t=t,
    )


def test_the_bars_sit_where_the_rule_says(thresholds: DialogueThresholds) -> None:
    assert 0 < thresholds.alone_second_confidence < thresholds.neighbour_confidence


def test_both_readings_pointing_at_the_other_article_leave_the_topic(thresholds: DialogueThresholds) -> None:
    bar, top = thresholds.alone_second_confidence, thresholds.neighbour_confidence
    # alone at the bar, in context the topic just under the neighbour bar and more confident than the reading alone
    call = _call(thresholds, bar, top - 0.01)
    assert (call.move, call.article_id) == ("switch", OTHER)


def test_under_either_bar_or_without_the_second_rank_the_topic_stays(thresholds: DialogueThresholds) -> None:
    bar, top = thresholds.alone_second_confidence, thresholds.neighbour_confidence
    assert _call(thresholds, bar - 0.01, top - 0.01).move == "stay"
    assert _call(thresholds, bar, top).move == "stay"
    assert _call(thresholds, bar, top - 0.01, second="lost-or-stolen-card").move == "stay"
    # an upset customer leaves only from the frustrated bar, as for any switch
    if thresholds.switch_confidence_frustrated > bar:
        assert _call(thresholds, bar, top - 0.01, upset=True).move == "stay"


def _decide(tracker: DialogueTracker, alone_confidence: float) -> DialogueDecision:
    text = "how do I get the app working on the new one?"
    state = DialogueState(
        topic=Topic(TOPIC, "lost_or_stolen_phone"), layer="In short", query="my phone was stolen last night"
    )
    alone = ranking((OTHER, 0.7), ("activate-my-card", 0.2), confidence=alone_confidence)
    in_context = ranking((TOPIC, 0.6), (OTHER, 0.3), ("lost-or-stolen-card", 0.1), confidence=0.87)

    def reread(_: str) -> Retrieval:
        return in_context

    encoded = Encoded(text, shared_encoder().encode([text])[0])
    return tracker.run(encoded=encoded, retrieval=alone, signals=make_signals(), state=state, reread=reread)


def test_the_tracker_answers_the_other_article_as_a_new_topic(tracker: DialogueTracker) -> None:
    t = tracker.config.thresholds
    sure = max(t.alone_second_confidence, tracker.clarify_rule.max_confidence) + 0.01
    moved = _decide(tracker, sure)
    assert moved.kind == "new_topic" and moved.article_id is None  # answered from the message's own ranking
    kept = _decide(tracker, t.alone_second_confidence - 0.05)
    assert (kept.kind, kept.article_id) == ("follow_up", TOPIC)
