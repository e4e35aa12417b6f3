"""A follow-up cue ("it", "that", "and ...?") does not keep the active topic when neither reading of the message puts
the topic first: with the message alone in scope on another article and the in-context reading (the message after
the topic's question) in scope off the topic, that reading's article answers, whatever its confidence; when both
readings agree on one article, that article answers. A message the router reads alone out of scope still needs a
confident in-context reading (`neighbour_confidence`) to leave the topic with a cue, and an in-context reading that
keeps the topic first, or falls under the scope bar, still keeps it.

The rule itself on the committed thresholds, then whole conversations through the real pipeline (real knowledge
base, routing head and encoder; an index of its own)."""

from __future__ import annotations

import pytest
from dialogue_readings import conversation_turns

from assistant.dialogue.config import DialogueThresholds
from assistant.dialogue.topic_rule import Reading, TopicCall, read_topic
from assistant.pipeline import Pipeline

TOPIC = "exchange-via-app"


def _call(
    t: DialogueThresholds, alone: Reading, in_context: Reading, *, cue: bool = True, upset: bool = False
) -> TopicCall:
    """The call for a message near the topic's article (with a follow-up cue unless ``cue`` is False)."""
    return read_topic(topic=TOPIC, alone=alone, in_context=in_context, cue=cue, upset=upset, close_to_topic=True, t=t)


# ---------------------------------------------------------------------------------------------- the rule itself


def test_an_in_context_reading_off_the_topic_answers_a_cued_message_below_the_neighbour_bar(
    thresholds: DialogueThresholds,
) -> None:
    in_context = Reading("exchange-charge", 0.77, True)
    assert in_context.confidence < thresholds.neighbour_confidence  # before 2026.12.6 this kept the topic
    call = _call(thresholds, Reading("account-fees", 0.7, True), in_context)
    assert (call.move, call.article_id) == ("neighbour", "exchange-charge")
    # upset or not: neither reading is the topic
    upset = _call(thresholds, Reading("account-fees", 0.7, True), in_context, upset=True)
    assert (upset.move, upset.article_id) == ("neighbour", "exchange-charge")


def test_both_readings_on_one_other_article_answer_a_cued_message(thresholds: DialogueThresholds) -> None:
    call = _call(thresholds, Reading("order-physical-card", 0.94, True), Reading("order-physical-card", 0.73, True))
    assert (call.move, call.article_id) == ("new", "order-physical-card")


def test_the_topic_stays_where_a_reading_still_supports_it_or_neither_says_anything(
    thresholds: DialogueThresholds,
) -> None:
    # the in-context reading keeps the topic first: unchanged, it stays
    kept = _call(thresholds, Reading("account-fees", 0.7, True), Reading(TOPIC, 0.8, True))
    assert (kept.move, kept.article_id) == ("stay", TOPIC)
    # the in-context reading off the topic but under the scope bar: no article to go to, it stays
    weak = _call(thresholds, Reading("account-fees", 0.7, True), Reading("exchange-charge", 0.2, False))
    assert (weak.move, weak.article_id) == ("stay", TOPIC)
    agree_weak = _call(
        thresholds, Reading("order-physical-card", 0.7, True), Reading("order-physical-card", 0.2, False)
    )
    assert (agree_weak.move, agree_weak.article_id) == ("stay", TOPIC)
    # the message alone out of scope ("is it more at weekends?"): a cue keeps the topic unless the in-context
    # reading of the neighbour is confident
    alone_out = Reading("contact-us", 0.21, False)
    assert _call(thresholds, alone_out, Reading("exchange-charge", 0.77, True)).move == "stay"
    confident = _call(thresholds, alone_out, Reading("exchange-charge", thresholds.neighbour_confidence, True))
    assert (confident.move, confident.article_id) == ("neighbour", "exchange-charge")
    # no cue ("my current account please", answering the last reply): unsure alone and a weak third article in
    # context keep the topic as before; the rule is about what a cue may hold, not a lower neighbour bar
    bare = _call(thresholds, Reading("account-fees", 0.6, True), Reading("exchange-charge", 0.68, True), cue=False)
    assert (bare.move, bare.article_id) == ("stay", TOPIC)


# ---------------------------------------------------------------------------------------------- the real pipeline


@pytest.mark.integration
def test_a_cued_follow_up_read_elsewhere_in_context_is_answered_from_that_article(real_kb_pipeline: Pipeline) -> None:
    turns = conversation_turns(
        real_kb_pipeline,
        "neighbour-cue-1",
        "how do I change pounds into euros in the app?",
        "what do you charge for it?",
    )
    assert turns[0][1] == TOPIC
    assert turns[1] == ("follow_up", "exchange-charge", "exchange-charge")


@pytest.mark.integration
def test_a_cued_follow_up_both_readings_place_elsewhere_is_a_new_topic(real_kb_pipeline: Pipeline) -> None:
    turns = conversation_turns(
        real_kb_pipeline, "neighbour-cue-2", "what are the monthly fees on the account?", "and a plastic card?"
    )
    assert turns[0][1] == "account-fees"
    assert turns[1] == ("new_topic", "order-physical-card", "order-physical-card")


@pytest.mark.integration
def test_a_cued_follow_up_that_reads_as_the_topic_in_context_stays(real_kb_pipeline: Pipeline) -> None:
    turns = conversation_turns(
        real_kb_pipeline, "neighbour-cue-3", "how do I close my account?", "what happens to the money left in it?"
    )
    assert turns[0][1] == "terminate-account"
    assert turns[1] == ("follow_up", "terminate-account", "terminate-account")
