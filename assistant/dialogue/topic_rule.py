"""Follow-up or new topic: the router's reading of the message alone set against its reading of the message with
the active topic's question in front of it ("how do I close my account? what happens to the money left in it?").

A message that only makes sense with the topic (an "it", an elliptical "and in euros?") reads as the topic in context
while the message alone is routed somewhere with a confidence that means little; a self-contained new question keeps its
own reading even with the topic in front of it. So the topic is left when the message alone is in scope and more
confident than the in-context reading of the topic by a margin, a larger one when the message points back at the topic
(a cue) or the customer is upset, or when the in-context reading is unsure of the topic (under ``neighbour_confidence``)
and ranks second the article the message alone reads first, in scope, with at least ``alone_second_confidence`` (both
readings point there; dialogue 2026.12.11). When the in-context reading lands on a third article ("is there a fee for
that?" after a card top-up question: the card top-up fee article), that neighbour answers it when the reading is
confident, or, for a message the router reads alone under the scope bar, when that reading alone also ranks the
neighbour first or second (both readings point at it, so neither a cue nor an upset customer holds the topic). A
follow-up cue ("it", "the fee", "and ...?") keeps a message on the topic only while one reading still puts the topic
first or one of them is out of scope: when the message alone is in scope on another article and the in-context reading
is in scope off the topic, that reading's article answers whatever its confidence (the in-context reading has already
read the message as leaning on the topic), and when both readings agree on one other article, that article answers. A
message that says it is changing the subject ("oh and also", "btw", "different question:", "unrelated:"; the ``switch``
patterns) leaves the topic whenever its reading alone is in scope. A message the rule keeps on the topic is read once
more after the customer's last message when that is not the topic's question (:func:`after_last_message`): after a
missed switch, or a follow-up that moved to a neighbouring article, the conversation has moved on while the topic has
not; that reading's article answers when it is in scope with at least ``after_last_confidence`` and the in-context
reading ranks it first or second. Thresholds are in ``prompts/dialogue.yaml``, chosen on ``data/dialogue/dev.jsonl``
(and ``dev2.jsonl``).

>>> from assistant.dialogue.config import DialogueThresholds
>>> t = DialogueThresholds(switch_confidence=0.8, switch_confidence_cue=0.97, switch_confidence_frustrated=0.9,
...     follow_up_words=12, min_topic_cosine=0.15, choice_cosine=0.3, choice_margin=0.05)
>>> alone = Reading("top-up-reverted", 0.92, True)
>>> read_topic(topic="terminate-account", alone=alone, in_context=Reading("terminate-account", 0.98, True),
...            cue=True, upset=False, close_to_topic=True, t=t).move
'stay'
>>> read_topic(topic="exchange-rate", alone=Reading("cancel-transfer", 0.99, True),
...            in_context=Reading("exchange-rate", 0.3, True), cue=False, upset=False, close_to_topic=False,
...            t=t).move
'switch'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.dialogue.config import DialogueThresholds
from assistant.types import Retrieval

TopicMove = Literal["stay", "switch", "new", "neighbour"]


@dataclass(frozen=True)
class Reading:
    """The router's top article for a text, its calibrated confidence, whether it is in scope, and the article it
    ranks second (None when it ranks one or none)."""

    top: str | None
    confidence: float
    in_scope: bool
    second: str | None = None

    @classmethod
    def of(cls, retrieval: Retrieval) -> Reading:
        top = retrieval.article_ids[0] if retrieval.article_ids else None
        second = retrieval.article_ids[1] if len(retrieval.article_ids) > 1 else None
        return cls(top, retrieval.confidence, retrieval.in_scope and top is not None, second)

    def ranks_first_two(self, article_id: str | None) -> bool:
        """Whether ``article_id`` is this reading's first or second article (in scope or not)."""
        return article_id is not None and article_id in (self.top, self.second)


@dataclass(frozen=True)
class TopicCall:
    """``stay`` on the topic; ``switch`` to the router's reading of the message alone (a new topic, asked about
    when the router is unsure); ``new``: a new topic both readings agree on (answered without asking); or answer
    the ``neighbour`` article the in-context reading found; ``reason`` says why (logged as a cue)."""

    move: TopicMove
    article_id: str | None
    reason: str


def read_topic(
    *,
    topic: str,
    alone: Reading,
    in_context: Reading | None,
    cue: bool,
    upset: bool,
    close_to_topic: bool,
    t: DialogueThresholds,
    marker: bool = False,
) -> TopicCall:
    """Decide for a message that is not a close, "more detail", "simpler" or "that didn't help" (see the module
    docstring). ``cue``: the message points back at the topic; ``upset``: a complaint, negative sentiment or
    distress; ``close_to_topic``: the message's vector is at least ``min_topic_cosine`` from the topic's;
    ``marker``: the message says it changes the subject."""
    if alone.top == topic:
        return TopicCall("stay", topic, "the router reads the topic")
    if marker and alone.in_scope:
        return TopicCall("switch", alone.top, f"switch marker; alone {alone.confidence:.2f}")
    margin = t.context_margin_cue if cue else t.context_margin
    bar = t.switch_confidence_frustrated if upset else 0.0
    if upset:
        margin = max(margin, t.context_margin_frustrated)
    if in_context is None:  # no in-context reading: the message alone decides, as before
        need = t.switch_confidence_cue if cue or upset else t.switch_confidence
        if alone.in_scope and alone.confidence >= need:
            return TopicCall("switch", alone.top, f"confident alone ({alone.confidence:.2f})")
        return _stay_if_related(topic, cue, upset, close_to_topic, "not confident alone")
    if not alone.in_scope:  # from here on the reading alone is in scope
        # not a new topic on its own ("what i can do", "how is it worked out?"): resolved against the topic, or the
        # neighbouring article the in-context reading finds
        if in_context.top not in (topic, None) and in_context.in_scope:
            if in_context.confidence >= t.neighbour_confidence or not (cue or upset):
                return TopicCall("neighbour", in_context.top, f"in context: {in_context.top}")
            # a cue or an upset customer does not hold the topic when the message alone, though under the scope
            # bar, also ranks the in-context article first or second: both readings point at that neighbour
            if alone.ranks_first_two(in_context.top):
                return TopicCall("neighbour", in_context.top, f"in context and alone: {in_context.top}")
        return TopicCall("stay", topic, "not a new topic on its own")
    if in_context.top == topic:
        gap = alone.confidence - in_context.confidence
        if gap >= margin and alone.confidence >= bar:
            return TopicCall("switch", alone.top, f"alone {alone.confidence:.2f} over in context {gap:+.2f}")
        # the message alone confidently reads the article the in-context reading ranks second, and that reading is
        # not sure of the topic: both readings point at the other article (dialogue 2026.12.11)
        if (
            alone.confidence >= max(bar, t.alone_second_confidence)
            and in_context.confidence < t.neighbour_confidence
            and in_context.second == alone.top
        ):
            return TopicCall(
                "switch", alone.top, f"alone {alone.confidence:.2f}, second in context {in_context.confidence:.2f}"
            )
        if in_context.in_scope:
            return TopicCall("stay", topic, f"reads as the topic in context ({in_context.confidence:.2f})")
        return _stay_if_related(topic, cue, upset, close_to_topic, "weakly the topic in context")
    # From here neither reading puts the topic first and the message alone is in scope: a follow-up cue does not
    # hold it on the topic when the in-context reading (which already reads the message as leaning on the topic)
    # is in scope too; that reading's article answers, whatever its confidence.
    if in_context.top == alone.top:
        if not cue or in_context.in_scope or in_context.confidence >= t.neighbour_confidence:
            return TopicCall("new", alone.top, "both readings agree on another article")
        return _stay_if_related(topic, cue, upset, close_to_topic, "another article, weakly")
    if in_context.in_scope and (cue or in_context.confidence >= t.neighbour_confidence):
        return TopicCall("neighbour", in_context.top, f"in context: {in_context.top} ({in_context.confidence:.2f})")
    if not cue and not upset and alone.confidence >= t.switch_confidence:
        return TopicCall("switch", alone.top, f"confident alone ({alone.confidence:.2f})")
    return _stay_if_related(topic, cue, upset, close_to_topic, "no clear other article")


def after_last_message(
    *, topic: str, in_context: Reading, after_last: Reading, t: DialogueThresholds
) -> TopicCall | None:
    """A message the topic rule keeps on the topic, read again after the customer's last message (not the topic's
    question): after a missed switch the topic's question pulls every later follow-up back to the old article, while
    the conversation has moved on. The article that reading finds answers when it is in scope off the topic with at
    least ``after_last_confidence`` and the in-context reading (after the topic's question) also ranks it first or
    second; otherwise None (the topic stays). The two readings are made after different texts (the topic's question,
    the last message) and agree on the article, so the bar is lower than ``neighbour_confidence``, which bounds a
    move on the in-context reading alone (dialogue 2026.12.10; was ``neighbour_confidence`` in 2026.12.9)."""
    article = after_last.top
    if article in (topic, None) or not after_last.in_scope or after_last.confidence < t.after_last_confidence:
        return None
    if not in_context.ranks_first_two(article):
        return None
    return TopicCall("neighbour", article, f"after the last message: {article} ({after_last.confidence:.2f})")


def _stay_if_related(topic: str, cue: bool, upset: bool, close_to_topic: bool, why: str) -> TopicCall:
    if cue or upset or close_to_topic:
        return TopicCall("stay", topic, why)
    return TopicCall("switch", None, f"{why}; unrelated to the topic")
