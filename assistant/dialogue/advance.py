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

from assistant.dialogue.state import Choice, DialogueState, OpenQuestion, Topic
from assistant.kb.loader import SECTION_HEADINGS


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
) -> DialogueState:
    """``state`` advanced by one turn of ``kind`` (a :data:`assistant.stages.dialogue.DecisionKind`)."""
    base = replace(
        state,
        turns=state.turns + 1,
        open_question=None,
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
            open_question=OpenQuestion(query, tuple(choices)),
            topic=Topic(tentative, None) if tentative else state.topic,
            layer=None if tentative else state.layer,
            sections=() if tentative else state.sections,
            alternatives=tuple(c.article_id for c in choices[1:]) if tentative else state.alternatives,
            tried=(tentative,) if tentative else state.tried,
            unhelpful=0 if tentative else state.unhelpful,
            query=query if tentative else state.query,
        )
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
    # same_topic, follow_up, more_detail, simpler: the topic stays; remember the layer shown
    return replace(
        base,
        topic=state.topic or Topic(article_id, intent),
        layer=layer or state.layer,
        sections=tuple(shown_sections) or state.sections,
        more_offered=more_offered,
    )
