"""The dialogue state after a turn: what the dialogue stage decided and what the customer was actually shown.

>>> from assistant.dialogue.state import DialogueState
>>> state = next_state(DialogueState(), kind="new_topic", query="where is my card?", article_id="card-arrival",
...                    intent="card_arrival", shown_sections=("In short",), alternatives=("card-delivery-estimate",))
>>> state.topic.article_id, state.layer, state.alternatives
('card-arrival', 'In short', ('card-delivery-estimate',))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from assistant.dialogue.decision import DialogueDecision
from assistant.dialogue.state import Choice, DialogueState, OpenQuestion, Topic
from assistant.kb.loader import SECTION_HEADINGS
from assistant.types import Reply, Retrieval


def deepest_layer(sections: Sequence[str]) -> str | None:
    """The deepest of the three layers among ``sections`` (None when none of them is a layer)."""
    layers = [s for s in SECTION_HEADINGS if s in sections]
    return layers[-1] if layers else None


def next_state(
    state: DialogueState,
    *,
    kind: str,
    query: str,
    article_id: str | None = None,
    intent: str | None = None,
    shown_sections: Sequence[str] = (),
    alternatives: Sequence[str] = (),
    choices: Sequence[Choice] = (),
    answered: bool = True,
    offered: bool = False,
    more_offered: bool = False,
    offers_blocked: bool = False,
    passed_over: str | None = None,
) -> DialogueState:
    """``state`` advanced by one turn of ``kind`` (a :data:`assistant.dialogue.decision.DecisionKind`);
    ``passed_over``: the article the router read the message as when the turn kept the topic instead."""
    base = replace(
        state,
        turns=state.turns + 1,
        open_question=None,
        passed_over=None,
        offer_shown=state.offer_shown or offered,
        offers_blocked=state.offers_blocked or offers_blocked,
        more_offered=False,
    )
    layer = deepest_layer(shown_sections)
    if kind == "clarify":
        # Until the customer picks, the first choice is the tentative topic: a follow-up that ignores the question
        # ("what about abroad?") is answered about the router's best guess rather than not at all.
        tentative = choices[0].article_id if choices else None
        return replace(
            base,
            open_question=OpenQuestion(query, tuple(choices), topic_before=state.topic, query_before=state.query),
            topic=Topic(tentative, None) if tentative else state.topic,
            layer=None if tentative else state.layer,
            sections=() if tentative else state.sections,
            alternatives=tuple(c.article_id for c in choices[1:]) if tentative else state.alternatives,
            tried=(tentative,) if tentative else state.tried,
            unhelpful=0 if tentative else state.unhelpful,
            query=query if tentative else state.query,
        )
    if kind == "none_of_these" and state.open_question is not None:
        # the customer turned down every choice, the tentative topic (the first) included: a conversation that had
        # another topic before the question goes back to it rather than staying on a rejected choice
        return back_before_question(base, state.open_question)
    if kind in ("close", "none_of_these") or not answered or article_id is None:
        if kind == "offer_person":
            return replace(base, unhelpful=state.unhelpful + 1)
        return base
    if kind in ("new_topic", "choice"):
        return replace(
            base,
            topic=Topic(article_id, intent),
            layer=layer,
            sections=tuple(shown_sections),
            alternatives=tuple(a for a in alternatives if a != article_id),
            tried=(article_id,),
            unhelpful=0,
            query=query,
            more_offered=more_offered,
        )
    if kind == "not_helpful":
        return replace(
            base,
            topic=Topic(article_id, intent),
            layer=layer,
            sections=tuple(shown_sections),
            tried=(*state.tried, article_id),
            unhelpful=state.unhelpful + 1,
            more_offered=more_offered,
        )
    if state.topic is not None and article_id != state.topic.article_id:
        # a follow-up answered from a neighbouring article ("is there a fee for that?" after a card top-up: the
        # top-up fee article): the topic moves there, the question that opened the conversation's topic stays
        return replace(
            base,
            topic=Topic(article_id, intent),
            layer=layer,
            sections=tuple(shown_sections),
            tried=(article_id,),
            unhelpful=0,
            more_offered=more_offered,
        )
    # same_topic, follow_up, more_detail, simpler: the topic stays; remember the layer shown
    return replace(
        base,
        topic=state.topic or Topic(article_id, intent),
        layer=layer or state.layer,
        sections=tuple(shown_sections) or state.sections,
        more_offered=more_offered,
        passed_over=passed_over,
    )


def back_before_question(state: DialogueState, question: OpenQuestion) -> DialogueState:
    """``state`` after "none of these" to the clarifying ``question``: back on the topic and question the
    conversation had before it was asked when there was one and it was not among the choices turned down (its
    layer, ranking and tried articles start afresh); otherwise as it is (the first choice stays the tentative
    topic, its question the customer's own words, the context a restated question is read in)."""
    before = question.topic_before
    if before is None or before.article_id in {c.article_id for c in question.choices}:
        return state
    return replace(
        state,
        topic=before,
        layer=None,
        sections=(),
        alternatives=(),
        tried=(before.article_id,),
        unhelpful=0,
        query=question.query_before,
    )


def state_after_turn(
    state: DialogueState,
    decision: DialogueDecision,
    *,
    reply: Reply,
    retrieval: Retrieval | None,
    offers: Sequence[str],
    details_on_request: bool,
    answered: bool,
    offers_blocked: bool,
) -> DialogueState:
    """The dialogue state after a turn the pipeline ran: the stage's ``decision`` and the article and sections the
    ``reply`` actually showed (``retrieval``: what it was answered from; ``offers``: the draft's offer lines)."""
    shown = [c for c in reply.citations if c.article_id == reply.citations[0].article_id] if reply.citations else []
    article = shown[0].article_id if shown else None
    kind = decision.kind
    if kind == "clarify" and not reply.choices:
        kind = "new_topic"  # an escalation (crisis, a request for a person) replaced the question
    intent = retrieval.intent if retrieval is not None and article == (retrieval.article_ids or (None,))[0] else None
    alternatives = tuple(retrieval.article_ids) if retrieval is not None else ()
    if kind == "choice" and state.open_question is not None:
        alternatives = tuple(c.article_id for c in state.open_question.choices)
    return next_state(
        state,
        kind=kind,
        query=decision.query,
        article_id=article,
        intent=intent,
        shown_sections=tuple(c.section for c in shown),
        alternatives=alternatives,
        choices=reply.choices,
        answered=answered and reply.status in ("answered", "escalated"),
        offered=any(o in reply.text for o in offers),
        more_offered=details_on_request and kind != "simpler",
        offers_blocked=offers_blocked,
        passed_over=decision.overridden,
    )
