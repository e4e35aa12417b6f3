"""A message the router reads alone under the scope bar, with a follow-up cue or from an upset customer, leaves the
active topic for the in-context reading's article (the message read after the topic's question, in scope off the
topic) when the reading alone also ranks that article first or second: both readings point at the same neighbour,
so neither the cue nor the customer's mood holds the answer on the topic (dialogue 2026.12.7). Below
`neighbour_confidence`, an in-context neighbour that the message alone does not rank in its first two still keeps
the topic, as before.

The rule on the committed thresholds, then a conversation through the real pipeline (real knowledge base, routing
head and encoder)."""

from __future__ import annotations

import pytest
from dialogue_readings import conversation_turns

from assistant.dialogue.config import DialogueThresholds
from assistant.dialogue.topic_rule import Reading, TopicCall, read_topic
from assistant.pipeline import Pipeline

TOPIC = "how-savings-interest-works"


def _call(
    t: DialogueThresholds, alone: Reading, in_context: Reading, *, cue: bool = True, upset: bool = False
) -> TopicCall:
    return read_topic(topic=TOPIC, alone=alone, in_context=in_context, cue=cue, upset=upset, close_to_topic=True, t=t)


def test_reading_ranks_first_two() -> None:
    reading = Reading("tax-on-savings-interest", 0.2, False, "country-support")
    assert reading.ranks_first_two("tax-on-savings-interest")
    assert reading.ranks_first_two("country-support")
    assert not reading.ranks_first_two("moving-abroad")
    assert not reading.ranks_first_two(None)
    assert not Reading("tax-on-savings-interest", 0.2, False).ranks_first_two("country-support")


def test_a_neighbour_both_readings_rank_high_answers_a_cued_message(thresholds: DialogueThresholds) -> None:
    # "and would I owe tax on that?": alone out of scope, the tax article first; in context the tax article first
    # too, in scope but under the neighbour bar. Before 2026.12.7 the cue kept the savings-interest topic.
    in_context = Reading("tax-on-savings-interest", 0.7, True, TOPIC)
    assert in_context.confidence < thresholds.neighbour_confidence
    first = _call(thresholds, Reading("tax-on-savings-interest", 0.25, False, "country-support"), in_context)
    assert (first.move, first.article_id) == ("neighbour", "tax-on-savings-interest")
    # ranked second alone is enough, and an upset customer without a cue goes there too
    second = _call(thresholds, Reading("country-support", 0.2, False, "tax-on-savings-interest"), in_context)
    assert (second.move, second.article_id) == ("neighbour", "tax-on-savings-interest")
    upset = _call(
        thresholds,
        Reading("country-support", 0.2, False, "tax-on-savings-interest"),
        in_context,
        cue=False,
        upset=True,
    )
    assert (upset.move, upset.article_id) == ("neighbour", "tax-on-savings-interest")


def test_the_topic_stays_when_the_message_alone_does_not_back_the_neighbour(thresholds: DialogueThresholds) -> None:
    in_context = Reading("tax-on-savings-interest", 0.7, True, TOPIC)
    # alone ranks the neighbour third or not at all: the cue keeps the topic, as before
    apart = _call(thresholds, Reading("country-support", 0.2, False, "moving-abroad"), in_context)
    assert (apart.move, apart.article_id) == ("stay", TOPIC)
    upset = _call(thresholds, Reading("country-support", 0.2, False, "moving-abroad"), in_context, upset=True)
    assert (upset.move, upset.article_id) == ("stay", TOPIC)
    # the in-context reading keeps the topic first, or falls under the scope bar: the readings do not agree on a
    # neighbour that answers, and the topic stays
    kept = _call(thresholds, Reading("tax-on-savings-interest", 0.2, False, TOPIC), Reading(TOPIC, 0.8, True))
    assert (kept.move, kept.article_id) == ("stay", TOPIC)
    weak = _call(
        thresholds,
        Reading("tax-on-savings-interest", 0.2, False, TOPIC),
        Reading("tax-on-savings-interest", 0.2, False, TOPIC),
    )
    assert (weak.move, weak.article_id) == ("stay", TOPIC)


# ---------------------------------------------------------------------------------------------- the real pipeline


@pytest.mark.integration
def test_a_cued_tax_question_after_a_savings_rate_answer_goes_to_the_tax_article(real_kb_pipeline: Pipeline) -> None:
    # alone the tax question reads under the scope bar with the tax article first; after the savings question it
    # reads as the tax article in scope, under `neighbour_confidence`: before 2026.12.7 the cue "that" kept it on
    # the savings article
    turns = conversation_turns(
        real_kb_pipeline,
        "corroborated-1",
        "how much interest will my savings account pay me?",
        "and would I owe tax on that?",
    )
    assert turns[0][1] == "savings-accounts-and-interest"
    assert turns[1] == ("follow_up", "tax-on-savings-interest", "tax-on-savings-interest")


@pytest.mark.integration
def test_a_cued_follow_up_that_reads_as_the_topic_in_context_still_stays(real_kb_pipeline: Pipeline) -> None:
    turns = conversation_turns(
        real_kb_pipeline,
        "corroborated-2",
        "how much interest will my savings account pay me?",
        "is that the same for all of them?",
    )
    assert turns[1] == ("follow_up", "savings-accounts-and-interest", "savings-accounts-and-interest")
    turns = conversation_turns(
        real_kb_pipeline,
        "corroborated-3",
        "my card payment was declined at the supermarket",
        "and it keeps happening, why?",
    )
    assert turns[0][1] == "declined-card-payment"
    assert turns[1] == ("follow_up", "declined-card-payment", "declined-card-payment")
