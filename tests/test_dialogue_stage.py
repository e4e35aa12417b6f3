"""The dialogue stage's decisions: follow-up kinds, topic switches, clarifying questions and offers.

Real knowledge base, real encoder; the router's output for a message is given as a Retrieval (its input)."""

from __future__ import annotations

from dataclasses import replace

from assistant.answers.base import make_signals
from assistant.dialogue.advance import next_state
from assistant.dialogue.clarify import ClarifyRule, clarify_outcome
from assistant.dialogue.state import DialogueState, OpenQuestion, Topic
from assistant.integrations.encoder import shared_encoder
from assistant.stages.dialogue import DialogueDecision, DialogueTracker
from assistant.types import Choice, Encoded, Passage, Retrieval, Signals

DECLINED = Topic("declined-card-payment", "declined_card_payment")


def _encoded(text: str) -> Encoded:
    return Encoded(text, shared_encoder().encode([text])[0])


def _ranking(*ranked: tuple[str, float], confidence: float, in_scope: bool | None = None) -> Retrieval:
    passages = tuple(Passage(aid, aid, "In short", "text", share) for aid, share in ranked)
    scope = confidence >= 0.35 if in_scope is None else in_scope
    return Retrieval(passages, tuple(a for a, _ in ranked), confidence, scope)


EMPTY = Retrieval(passages=(), article_ids=(), confidence=0.0, in_scope=False)


def _run(
    tracker: DialogueTracker,
    text: str,
    state: DialogueState,
    retrieval: Retrieval = EMPTY,
    signals: Signals | None = None,
    choice_id: str | None = None,
) -> DialogueDecision:
    return tracker.run(
        encoded=_encoded(text), retrieval=retrieval, signals=signals or make_signals(), state=state, choice_id=choice_id
    )


def test_more_detail_walks_the_layers_then_says_that_is_all(tracker: DialogueTracker) -> None:
    state = DialogueState(topic=DECLINED, layer="In short", query="why was my card declined?")
    first = _run(tracker, "tell me more", state)
    assert (first.kind, first.sections, first.register, first.query) == (
        "more_detail",
        ("Details",),
        "standard",
        "why was my card declined?",
    )
    assert first.retrieval is not None
    assert {p.section for p in first.retrieval.passages} == {"Details"}
    second = _run(tracker, "more detail please", replace(state, layer="Details"))
    assert second.sections == ("For the technically minded",) and second.register == "technical"
    last = _run(tracker, "more detail", replace(state, layer="For the technically minded"))
    assert last.kind == "more_detail" and last.retrieval is None and last.text == tracker.config.texts.no_more_detail


def test_yes_please_is_more_detail_only_after_an_offer_of_more(tracker: DialogueTracker) -> None:
    state = DialogueState(topic=DECLINED, layer="In short")
    assert _run(tracker, "yes please", replace(state, more_offered=True)).kind == "more_detail"
    assert _run(tracker, "yes please", state).kind != "more_detail"


def test_simpler_gives_the_plain_layer_and_glossary(tracker: DialogueTracker) -> None:
    decision = _run(tracker, "I don't get it", DialogueState(topic=DECLINED, layer="Details"))
    assert (decision.kind, decision.register, decision.glossary) == ("simpler", "plain", True)
    assert decision.retrieval is not None
    assert {p.section for p in decision.retrieval.passages} == {"In short", "Glossary"}


def test_that_did_not_help_gives_the_next_best_article_then_a_person(tracker: DialogueTracker) -> None:
    state = DialogueState(
        topic=DECLINED, alternatives=("card-not-working", "declined-transfer"), tried=("declined-card-payment",)
    )
    first = _run(tracker, "that didn't help", state)
    assert (first.kind, first.article_id) == ("not_helpful", "card-not-working")
    after = next_state(
        state, kind="not_helpful", query="q", article_id="card-not-working", shown_sections=("In short",)
    )
    assert after.tried == ("declined-card-payment", "card-not-working") and after.unhelpful == 1
    assert _run(tracker, "not what I asked", after).kind == "offer_person"


def test_thanks_that_is_all_closes(tracker: DialogueTracker) -> None:
    decision = _run(tracker, "thanks, that's all", DialogueState(topic=DECLINED))
    assert decision.kind == "close" and decision.text == tracker.config.texts.close
    assert _run(tracker, "thanks, but how do I change my PIN?", DialogueState(topic=DECLINED)).kind != "close"


def test_a_short_follow_up_stays_on_the_topic_a_clear_new_topic_switches(tracker: DialogueTracker) -> None:
    state = DialogueState(topic=DECLINED, layer="In short")
    elsewhere = _ranking(("card-arrival", 0.5), ("declined-card-payment", 0.2), confidence=0.6)
    follow = _run(tracker, "why though? I have money in the account", state, elsewhere)
    assert (follow.kind, follow.article_id) == ("follow_up", "declined-card-payment")
    assert follow.retrieval is not None and follow.retrieval.article_ids == ("declined-card-payment",)
    confident = _ranking(("change-pin", 0.9), ("pin-blocked", 0.05), confidence=0.97)
    assert _run(tracker, "How do I change my PIN number at a cash machine?", state, confident).kind == "new_topic"


def test_a_frustrated_message_stays_on_the_declined_payment(tracker: DialogueTracker) -> None:
    state = DialogueState(topic=DECLINED, layer="In short")
    arrival = _ranking(("card-arrival", 0.7), ("card-not-working", 0.1), confidence=0.9)
    upset = make_signals(sentiment="negative", distress="mild")
    decision = _run(tracker, "this is the third time this week, I'm so fed up with this", state, arrival, upset)
    assert (decision.kind, decision.article_id) == ("follow_up", "declined-card-payment")
    assert decision.allow_offers is False


def test_an_unsure_router_asks_and_the_pick_answers(tracker: DialogueTracker) -> None:
    unsure = _ranking(
        ("transfer-into-account", 0.4), ("receiving-money", 0.35), ("transfer-timing", 0.2), confidence=0.4
    )
    ask = _run(tracker, "how do I send money to Spain?", DialogueState(), unsure)
    assert ask.kind == "clarify" and len(ask.choices) == 3
    assert ask.text.startswith("Do you mean:") and ask.choices[1].label.rstrip("?") in ask.text
    state = next_state(DialogueState(), kind="clarify", query=ask.query, choices=ask.choices)
    assert state.open_question == OpenQuestion("how do I send money to Spain?", ask.choices)
    by_click = _run(tracker, "anything", state, choice_id="c3")
    assert (by_click.kind, by_click.article_id, by_click.query) == (
        "choice",
        "transfer-timing",
        "how do I send money to Spain?",
    )
    assert _run(tracker, "the second one", state).article_id == "receiving-money"
    assert _run(tracker, ask.choices[0].label, state).article_id == "transfer-into-account"
    assert _run(tracker, "none of these", state).kind == "none_of_these"
    sure = _ranking(("transfer-timing", 0.9), ("pending-transfer", 0.05), confidence=0.95)
    assert _run(tracker, "how long does a transfer take?", DialogueState(), sure).kind == "new_topic"


def test_offers_at_most_once_and_never_after_a_complaint_or_distress(tracker: DialogueTracker) -> None:
    ranking = _ranking(("getting-virtual-card", 0.9), ("card-arrival", 0.05), confidence=0.97)
    text = "Can I get a virtual card?"
    assert _run(tracker, text, DialogueState(), ranking).allow_offers is True
    assert _run(tracker, text, DialogueState(offer_shown=True), ranking).allow_offers is False
    assert _run(tracker, text, DialogueState(offers_blocked=True), ranking).allow_offers is False
    assert _run(tracker, text, DialogueState(), ranking, make_signals(distress="mild")).allow_offers is False
    blocked = next_state(DialogueState(), kind="new_topic", query=text, article_id="x", offers_blocked=True)
    assert blocked.offers_blocked


def test_state_round_trips_through_json() -> None:
    state = DialogueState(
        topic=DECLINED,
        layer="Details",
        open_question=OpenQuestion("q", (Choice("c1", "a", "A"), Choice("c2", "b", "B"))),
        more_offered=True,
        offer_shown=True,
    )
    assert DialogueState.from_dict(state.to_dict()) == state
    assert DialogueState.from_dict(None) == DialogueState()


def test_clarify_rule_simulation() -> None:
    rule = ClarifyRule(max_confidence=0.8, min_ratio=0.1, choice_ratio=0.02, max_choices=3)
    assert clarify_outcome(rule, 0.5, (0.5, 0.3, 0.1, 0.05), (False, False, True, False)) == (True, True)
    assert clarify_outcome(rule, 0.5, (0.5, 0.3, 0.1, 0.05), (False, False, False, True)) == (True, False)
    assert clarify_outcome(rule, 0.9, (0.5, 0.3, 0.1), (True, False, False)) == (False, True)
    assert clarify_outcome(rule, 0.5, (0.9, 0.05), (True, False)) == (False, True)


def test_an_ignored_question_leaves_the_first_choice_as_the_topic(tracker: DialogueTracker) -> None:
    choices = (Choice("c1", "card-arrival", "Card arrival"), Choice("c2", "card-delivery-estimate", "Delivery"))
    state = next_state(DialogueState(), kind="clarify", query="where is my card", choices=choices)
    assert state.topic == Topic("card-arrival", None) and state.alternatives == ("card-delivery-estimate",)
    decision = _run(tracker, "what about abroad?", state)
    assert decision.article_id == "card-arrival" and decision.kind in ("follow_up", "choice")


def test_a_self_contained_question_switches_a_bare_follow_up_stays(tracker: DialogueTracker) -> None:
    abroad = DialogueState(topic=Topic("send-money-abroad", "international_transfer"), layer="In short")
    standing = _ranking(("standing-orders", 0.7), ("send-money-uk", 0.02), confidence=0.75)
    switch = _run(tracker, "Can I set up a standing order for my rent?", abroad, standing)
    assert switch.kind == "new_topic"
    fees = _ranking(("account-fees", 0.7), ("transfer-fee-charged", 0.2), confidence=0.9)
    stay = _run(tracker, "and the fee?", abroad, fees)
    assert (stay.kind, stay.article_id) == ("follow_up", "send-money-abroad")
    assert _run(tracker, "can I?", abroad, standing).kind == "follow_up"


def test_that_did_not_help_with_what_was_meant_answers_what_was_meant(tracker: DialogueTracker) -> None:
    state = DialogueState(
        topic=Topic("overdraft-repayment-difficulty", None), alternatives=("arranged-overdraft",), layer="In short"
    )
    meant = _ranking(("financial-difficulty-help", 0.6), ("arranged-overdraft", 0.2), confidence=0.8)
    decision = _run(tracker, "that didn't help, I need to know if you can help me with my debts", state, meant)
    assert (decision.kind, decision.article_id) == ("not_helpful", "financial-difficulty-help")
    bare = _run(tracker, "that didn't help", state, EMPTY)
    assert (bare.kind, bare.article_id) == ("not_helpful", "arranged-overdraft")


def test_the_configured_clarify_rule_asks_only_when_the_router_is_unsure(tracker: DialogueTracker) -> None:
    rule = tracker.clarify_rule
    assert rule.choices(confidence=0.5, shares=(0.5, 0.3, 0.1)) >= 2
    assert rule.choices(confidence=0.95, shares=(0.5, 0.3, 0.1)) == 0
    assert rule.choices(confidence=0.01, shares=(0.5, 0.3, 0.1)) == 0  # out of scope, not a choice
