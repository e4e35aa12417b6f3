"""Follow-up or new topic from two readings of a message (alone, and after the topic's question), and the smaller
turn kinds that came with it: acknowledgements, "thanks, now I need ...", no clarifying question in distress, the
active topic as a clarifying choice, and "that didn't help" after a follow-up the router read elsewhere.

Real knowledge base and encoder; the router's rankings are given as Retrievals (the stage's inputs)."""

from __future__ import annotations

from dialogue_readings import CLOSING, ranking

from assistant.answers.base import make_signals
from assistant.dialogue.advance import next_state
from assistant.dialogue.config import DialogueThresholds
from assistant.dialogue.state import DialogueState, Topic
from assistant.dialogue.topic_rule import Reading, read_topic
from assistant.integrations.encoder import shared_encoder
from assistant.stages.dialogue import DialogueDecision, DialogueTracker
from assistant.types import Encoded, Retrieval, Signals

TOP_UP = DialogueState(
    topic=Topic("topping-up-by-card", "topping_up_by_card"), layer="In short", query="how do I top up with my card"
)


def _run(
    tracker: DialogueTracker,
    text: str,
    state: DialogueState,
    alone: Retrieval,
    in_context: Retrieval | None = None,
    signals: Signals | None = None,
    read: list[str] | None = None,
) -> DialogueDecision:
    def reread(full: str) -> Retrieval:
        if read is not None:
            read.append(full)
        assert in_context is not None, "this turn should not need a second reading"
        return in_context

    encoded = Encoded(text, shared_encoder().encode([text])[0])
    return tracker.run(encoded=encoded, retrieval=alone, signals=signals or make_signals(), state=state, reread=reread)


# ---------------------------------------------------------------------------------------------- the rule itself


def test_an_elliptical_question_stays_when_it_reads_as_the_topic_in_context(thresholds: DialogueThresholds) -> None:
    call = read_topic(
        topic="terminate-account",
        alone=Reading("top-up-reverted", 0.92, True),
        in_context=Reading("terminate-account", 0.98, True),
        cue=True,
        upset=False,
        close_to_topic=False,
        t=thresholds,
    )
    assert (call.move, call.article_id) == ("stay", "terminate-account")


def test_a_self_contained_question_leaves_even_when_the_topic_colours_its_reading(
    thresholds: DialogueThresholds,
) -> None:
    alone = Reading("standing-orders", 1.0, True)
    in_context = Reading("send-money-abroad", 0.885, True)
    call = read_topic(
        topic="send-money-abroad",
        alone=alone,
        in_context=in_context,
        cue=False,
        upset=False,
        close_to_topic=True,
        t=thresholds,
    )
    assert (call.move, call.article_id) == ("switch", "standing-orders")
    # the same readings with a word pointing back at the topic need the larger margin: it stays
    pointing = read_topic(
        topic="send-money-abroad",
        alone=alone,
        in_context=Reading("send-money-abroad", 0.6, True),
        cue=True,
        upset=False,
        close_to_topic=True,
        t=thresholds,
    )
    assert pointing.move == "stay"


def test_an_upset_customer_leaves_only_on_a_confident_reading(thresholds: DialogueThresholds) -> None:
    in_context = Reading("declined-card-payment", 0.1, True)
    fed_up = read_topic(
        topic="declined-card-payment",
        alone=Reading("card-arrival", 0.62, True),
        in_context=in_context,
        cue=True,
        upset=True,
        close_to_topic=False,
        t=thresholds,
    )
    assert fed_up.move == "stay"
    complaint = read_topic(
        topic="declined-card-payment",
        alone=Reading("how-to-make-a-complaint", 0.95, True),
        in_context=Reading("declined-card-payment", 0.15, True),
        cue=True,
        upset=True,
        close_to_topic=True,
        t=thresholds,
    )
    assert (complaint.move, complaint.article_id) == ("switch", "how-to-make-a-complaint")


def test_a_message_that_is_no_topic_on_its_own_is_resolved_against_the_topic(thresholds: DialogueThresholds) -> None:
    lost = read_topic(
        topic="transfer-not-received-by-recipient",
        alone=Reading("extra-support-for-your-needs", 0.01, False),
        in_context=Reading("transfer-not-received-by-recipient", 0.33, False),
        cue=False,
        upset=False,
        close_to_topic=False,
        t=thresholds,
    )
    assert lost.move == "stay"
    worked_out = read_topic(
        topic="savings-accounts-and-interest",
        alone=Reading("card-arrival", 0.16, False),
        in_context=Reading("how-savings-interest-works", 0.76, True),
        cue=False,
        upset=False,
        close_to_topic=False,
        t=thresholds,
    )
    assert (worked_out.move, worked_out.article_id) == ("neighbour", "how-savings-interest-works")


# ---------------------------------------------------------------------------------------------- through the stage


def test_the_stage_reads_the_message_after_the_topics_question(tracker: DialogueTracker) -> None:
    read: list[str] = []
    alone = ranking(("top-up-reverted", 0.6), ("reverted-card-payment", 0.2), confidence=0.92)
    in_context = ranking(("terminate-account", 0.8), ("top-up-reverted", 0.1), confidence=0.98)
    decision = _run(tracker, "what happens to the money left in it?", CLOSING, alone, in_context, read=read)
    assert read == ["how do I close my account what happens to the money left in it?"]
    assert (decision.kind, decision.article_id) == ("follow_up", "terminate-account")
    assert decision.retrieval is not None and decision.retrieval.article_ids == ("terminate-account",)
    assert decision.overridden == "top-up-reverted"  # what "that didn't help" would try next


def test_a_neighbouring_article_answers_and_becomes_the_topic(tracker: DialogueTracker) -> None:
    alone = ranking(("account-fees", 0.5), ("top-up-by-bank-transfer-charge", 0.3), confidence=0.71)
    in_context = ranking(("top-up-by-card-charge", 0.7), ("topping-up-by-card", 0.2), confidence=0.94)
    decision = _run(tracker, "is there a fee for that?", TOP_UP, alone, in_context)
    assert (decision.kind, decision.article_id) == ("follow_up", "top-up-by-card-charge")
    after = next_state(
        TOP_UP,
        kind=decision.kind,
        query=decision.query,
        article_id="top-up-by-card-charge",
        shown_sections=("In short",),
    )
    assert after.topic is not None and after.topic.article_id == "top-up-by-card-charge"
    assert after.query == TOP_UP.query  # the conversation's question stays the context for the next turn


def test_a_new_topic_both_readings_agree_on_is_answered_without_asking(tracker: DialogueTracker) -> None:
    alone = ranking(("sending-limits", 0.5), ("top-up-limits", 0.4), confidence=0.62)
    assert tracker.choices_for(alone), "alone, the router is unsure enough to ask"
    in_context = ranking(("sending-limits", 0.8), ("send-money-uk", 0.1), confidence=0.93)
    state = DialogueState(topic=Topic("send-money-uk", None), layer="In short", query="how do I pay my landlord?")
    decision = _run(tracker, "is there a limit on how much I can send?", state, alone, in_context)
    assert decision.kind == "new_topic" and not decision.choices


def test_an_unsure_reading_offers_the_topic_as_a_choice(tracker: DialogueTracker) -> None:
    state = DialogueState(topic=Topic("card-arrival", None), layer="In short", query="where is my new card?")
    alone = ranking(
        ("travelling-abroad-with-your-card", 0.4), ("moving-abroad", 0.3), ("country-support", 0.2), confidence=0.62
    )
    in_context = ranking(("card-arrival", 0.3), ("card-delivery-estimate", 0.25), confidence=0.3)
    text = "and if I happen to be overseas at the moment, does that change things"
    decision = _run(tracker, text, state, alone, in_context)
    assert decision.kind == "clarify"
    assert [c.article_id for c in decision.choices] == [
        "travelling-abroad-with-your-card",
        "moving-abroad",
        "card-arrival",
    ]
    assert [c.article_id for c in _run(tracker, text, DialogueState(), alone).choices][-1] == "country-support"


def test_no_clarifying_question_for_a_customer_in_high_distress(tracker: DialogueTracker) -> None:
    unsure = ranking(("report-a-scam-and-get-money-back", 0.5), ("app-scam-reimbursement-rules", 0.4), confidence=0.6)
    text = "I was scammed into paying a fake builder, will you refund me?"
    assert _run(tracker, text, DialogueState(), unsure).kind == "clarify"
    high = make_signals(sentiment="negative", distress="high")
    assert _run(tracker, text, DialogueState(), unsure, signals=high).kind == "new_topic"


def test_a_bare_okay_acknowledges_and_keeps_the_topic(tracker: DialogueTracker) -> None:
    nothing = ranking(("contact-us", 0.4), ("card-arrival", 0.3), confidence=0.01)
    okay = _run(tracker, "Okay.", CLOSING, nothing)
    assert okay.kind == "close" and okay.text == tracker.config.texts.acknowledge
    assert _run(tracker, "okay, good to know", CLOSING, nothing).kind == "close"
    assert _run(tracker, "ok but can I reopen it later?", CLOSING, nothing, nothing).kind != "close"


def test_thanks_followed_by_a_new_request_is_not_a_close(tracker: DialogueTracker) -> None:
    transfer = ranking(("transfer-into-account", 0.8), ("send-money-uk", 0.1), confidence=0.93)
    decision = _run(tracker, "Thanks so much, now I need to make a money transfer.", DialogueState(), transfer)
    assert decision.kind == "new_topic"
    assert _run(tracker, "thanks so much", DialogueState(), ranking(("contact-us", 1), confidence=0.0)).kind == (
        "close"
    )


def test_that_did_not_help_first_tries_what_the_router_read_the_last_message_as(tracker: DialogueTracker) -> None:
    state = DialogueState(
        topic=Topic("pending-transfer", None),
        alternatives=("pending-card-payment",),
        tried=("pending-transfer",),
        layer="In short",
        query="my payment is still pending",
    )
    alone = ranking(("cancel-transfer", 0.6), ("request-refund", 0.2), confidence=0.85)
    in_context = ranking(("pending-card-payment", 0.3), ("pending-transfer", 0.2), confidence=0.05)
    kept = _run(tracker, "can I cancel it?", state, alone, in_context)
    assert (kept.kind, kept.article_id, kept.overridden) == ("follow_up", "pending-transfer", "cancel-transfer")
    after = next_state(
        state, kind=kept.kind, query=kept.query, article_id="pending-transfer", passed_over=kept.overridden
    )
    assert DialogueState.from_dict(after.to_dict()) == after and after.passed_over == "cancel-transfer"
    nothing = ranking(("why-verify-identity", 0.3), confidence=0.01)
    retry = _run(tracker, "that's not what I asked", after, nothing)
    assert (retry.kind, retry.article_id) == ("not_helpful", "cancel-transfer")


def test_a_message_that_says_it_changes_the_subject_leaves_the_topic(tracker: DialogueTracker) -> None:
    alone = ranking(("savings-for-children", 0.7), ("age-limit", 0.2), confidence=0.6)
    in_context = ranking(("terminate-account", 0.8), ("savings-for-children", 0.1), confidence=0.9)
    plain = _run(tracker, "can my daughter have a savings account?", CLOSING, alone, in_context)
    assert (plain.kind, plain.article_id) == ("follow_up", "terminate-account")  # the in-context reading wins
    marked = _run(tracker, "btw can my daughter have a savings account?", CLOSING, alone, in_context)
    assert marked.kind == "clarify" and marked.choices[0].article_id == "savings-for-children"
    assert marked.cues == ("router unsure: confidence 0.60",)  # the reading alone is unsure: it asks which
    thanks = _run(tracker, "ta. different q - where can I take cash out for free", CLOSING, alone, in_context)
    assert thanks.kind != "close" and thanks.article_id != "terminate-account"


def test_a_switch_marker_alone_out_of_scope_does_not_leave(thresholds: DialogueThresholds) -> None:
    call = read_topic(
        topic="terminate-account",
        alone=Reading("top-up-reverted", 0.05, False),
        in_context=Reading("terminate-account", 0.9, True),
        cue=False,
        upset=False,
        close_to_topic=True,
        t=thresholds,
        marker=True,
    )
    assert call.move == "stay"
    leave = read_topic(
        topic="terminate-account",
        alone=Reading("cash-isa", 0.5, True),
        in_context=Reading("terminate-account", 0.9, True),
        cue=False,
        upset=False,
        close_to_topic=True,
        t=thresholds,
        marker=True,
    )
    assert (leave.move, leave.article_id) == ("switch", "cash-isa")
