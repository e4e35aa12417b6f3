"""A message the topic rule keeps on the topic is read once more after the customer's last message, when that is not
the topic's question (dialogue 2026.12.9). After a missed switch the topic stays on the old article and every later
follow-up, read after the topic's question, is pulled back to it; read after the last message it finds where the
conversation went. That article answers when the reading is in scope with at least `after_last_confidence` (its own
bar since 2026.12.10, `neighbour_confidence` before; see tests/test_dialogue_after_last_bar.py) and the in-context
reading (after the topic's question) ranks it first or second too; otherwise the topic stays.

The rule on the committed thresholds, then conversations through the real pipeline (real knowledge base, routing
head and encoder)."""

from __future__ import annotations

import pytest
from dialogue_readings import conversation_turns

from assistant.dialogue.config import DialogueThresholds
from assistant.dialogue.topic_rule import Reading, after_last_message
from assistant.pipeline import Pipeline

TOPIC = "joint-accounts"
OTHER = "third-party-access-and-power-of-attorney"


def test_a_confident_reading_after_the_last_message_that_the_topic_reading_backs_answers(
    thresholds: DialogueThresholds,
) -> None:
    bar = thresholds.after_last_confidence
    after_last = Reading(OTHER, bar, True, TOPIC)
    for in_context in (Reading(TOPIC, 0.93, True, OTHER), Reading(OTHER, 0.5, True, TOPIC)):
        call = after_last_message(topic=TOPIC, in_context=in_context, after_last=after_last, t=thresholds)
        assert call is not None
        assert (call.move, call.article_id) == ("neighbour", OTHER)


def test_the_topic_stays_without_a_confident_backed_reading(thresholds: DialogueThresholds) -> None:
    bar = thresholds.after_last_confidence
    backed = Reading(TOPIC, 0.93, True, OTHER)

    def call(after_last: Reading, in_context: Reading = backed) -> object:
        return after_last_message(topic=TOPIC, in_context=in_context, after_last=after_last, t=thresholds)

    assert call(Reading(OTHER, bar - 0.01, True, TOPIC)) is None  # under the bar
    assert call(Reading(OTHER, 0.99, False, TOPIC)) is None  # out of scope
    assert call(Reading(TOPIC, 0.99, True, OTHER)) is None  # the last message reads as the topic too
    assert call(Reading(None, 0.0, False)) is None
    # the in-context reading does not rank that article in its first two: nothing backs the move
    assert call(Reading(OTHER, 0.99, True, TOPIC), Reading(TOPIC, 0.93, True, "is-my-money-protected-fscs")) is None


# ---------------------------------------------------------------------------------------------- the real pipeline


@pytest.mark.integration
def test_a_follow_up_after_a_kept_move_answers_from_where_the_conversation_went(real_kb_pipeline: Pipeline) -> None:
    # "could I add my dad ... so he can manage things" is kept on joint accounts; "what is a power of attorney?" read
    # after the joint-account question stays there too, read after the customer's last message it is the
    # third-party access article (in scope, over the neighbour bar), which the first reading ranks second
    turns = conversation_turns(
        real_kb_pipeline,
        "after-last-1",
        "can I open a joint account with my partner?",
        "could I add my dad to my account instead so he can manage things for me?",
        "what is a power of attorney?",
    )
    assert turns[0][1] == TOPIC
    assert turns[1][2] == TOPIC
    assert turns[2] == ("follow_up", OTHER, OTHER)
    turns = conversation_turns(
        real_kb_pipeline,
        "after-last-2",
        "I lost my phone with the banking app on it",
        "I don't have another phone yet",
        "what do I do when I get the new one?",
    )
    assert turns[1][2] == "lost-or-stolen-phone"
    assert turns[2] == ("follow_up", "new-phone-move-app", "new-phone-move-app")


@pytest.mark.integration
def test_a_follow_up_read_after_the_last_message_between_the_bars_moves(real_kb_pipeline: Pipeline) -> None:
    # Under 2026.12.9 this stayed on declined-card-payment: "is my card blocked?" read after "it's worked fine all
    # week though" is card-not-working at 0.73, under `neighbour_confidence`. Since 2026.12.10 (the reading's own bar,
    # `after_last_confidence`) it answers from card-not-working, which the in-context reading ranks second (that
    # article carries the declined_card_payment intent too). A reading after the last message that the in-context
    # reading does not back still keeps the topic: tests/test_dialogue_after_last_bar.py.
    turns = conversation_turns(
        real_kb_pipeline,
        "after-last-3",
        "my card payment was declined at the supermarket",
        "it's worked fine all week though",
        "is my card blocked?",
    )
    assert turns[0][1] == "declined-card-payment"
    assert turns[1][2] == "declined-card-payment"
    assert turns[2] == ("follow_up", "card-not-working", "card-not-working")
