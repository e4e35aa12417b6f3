"""A message with an active topic: which follow-up it is (simpler, more detail, same topic, a follow-up on the
topic or its neighbour, "that didn't help"), or none, and then it is read as a new topic.

The dialogue stage (:class:`~assistant.stages.dialogue.DialogueTracker`) asks :class:`FollowUpReader` first
whenever the conversation has a topic; the rule that weighs the message's reading alone against its reading after
the topic's question is :func:`assistant.dialogue.topic_rule.read_topic`.

>>> from assistant.dialogue.state import DialogueState, Topic
>>> in_context_text(DialogueState(topic=Topic("a", "b"), query="what is the fee?"), "and abroad?")
'what is the fee? and abroad?'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant.dialogue.articles import DialogueArticles
from assistant.dialogue.config import DialogueConfig
from assistant.dialogue.cues import DialogueCues
from assistant.dialogue.decision import LAYER_REGISTER, NEXT_LAYER, DialogueDecision, frustrated
from assistant.dialogue.state import DialogueState
from assistant.dialogue.topic_rule import Reading, after_last_message, read_topic
from assistant.kb.loader import GLOSSARY_SECTION
from assistant.types import Encoded, Retrieval, Signals

Reread = Callable[[str], Retrieval]


def in_context_text(state: DialogueState, message: str) -> str:
    """The message read after the topic's question (what ``reread`` is asked to rank)."""
    query = state.query or message
    return f"{query.rstrip()} {message}"


class FollowUpReader:
    """The follow-up decision for a message with an active topic, from its cues, the router's reading of it alone
    and (asked through ``reread``) after the topic's question. Built by the dialogue stage's ``warm_up``; the
    stage's class example shows it at work (``tell me more`` -> ``more_detail``)."""

    def __init__(self, config: DialogueConfig, articles: DialogueArticles, cues: DialogueCues) -> None:
        self.config = config
        self.articles = articles
        self.cues = cues

    def read(
        self,
        encoded: Encoded,
        text: str,
        words: int,
        retrieval: Retrieval,
        signals: Signals | None,
        state: DialogueState,
        allow_offers: bool,
        reread: Reread | None,
        previous: str | None = None,
    ) -> tuple[DialogueDecision | None, Retrieval | None]:
        """A follow-up kind for a message with an active topic, or None (a new topic) with the in-context
        ranking when one was read; ``previous``: the customer's last message (redacted), if any."""
        assert state.topic is not None
        topic = state.topic
        t = self.config.thresholds
        aid = topic.article_id
        query = state.query or encoded.text
        short = words <= t.follow_up_words
        cue = self.cues.matches("not_helpful", text)
        if cue:
            return self._not_helpful(encoded, words, retrieval, state, cue), None
        cue = self.cues.matches("simpler", text)
        if cue and short:
            sections = ("In short", GLOSSARY_SECTION)
            return DialogueDecision(
                "simpler",
                query,
                article_id=aid,
                sections=sections,
                retrieval=self.articles.focused(aid, sections, topic.intent),
                register="plain",
                glossary=True,
                allow_offers=False,
                cues=(cue,),
            ), None
        cue = self.cues.matches("more_detail", text) if short else None
        if cue is None and short and state.more_offered:
            cue = self.cues.matches("accept", text)
        if cue:
            layer = NEXT_LAYER.get(state.layer, "Details")
            if layer is None:
                return DialogueDecision(
                    "more_detail", query, article_id=aid, text=self.config.texts.no_more_detail, cues=(cue,)
                ), None
            return DialogueDecision(
                "more_detail",
                query,
                article_id=aid,
                sections=(layer,),
                retrieval=self.articles.focused(aid, (layer,), topic.intent),
                register=LAYER_REGISTER[layer],
                allow_offers=False,
                cues=(cue,),
            ), None
        cue = self.cues.matches("acknowledge", text) if short else None
        if cue:
            return DialogueDecision(
                "close", encoded.text, text=self.config.texts.acknowledge, allow_offers=False, cues=(cue,)
            ), None
        upset = frustrated(signals)
        confidence = max(retrieval.confidence, 0.5)
        alone = Reading.of(retrieval)
        if alone.top == aid:
            return DialogueDecision(
                "same_topic",
                encoded.text,
                article_id=aid,
                retrieval=self.articles.focused(aid, (), topic.intent, confidence),
                allow_offers=allow_offers and not upset,
            ), None
        marker = self.cues.matches("switch", text)
        follow_cue = self.cues.follow_cue(text, words) if short and marker is None else None
        in_context = reread(in_context_text(state, encoded.text)) if reread is not None else None
        call = read_topic(
            topic=aid,
            alone=alone,
            in_context=None if in_context is None else Reading.of(in_context),
            cue=follow_cue is not None,
            upset=upset,
            close_to_topic=self.articles.cosine(encoded, aid) >= t.min_topic_cosine,
            t=t,
            marker=marker is not None,
        )
        reasons = tuple(c for c in (marker, follow_cue, "frustrated" if upset else None, call.reason) if c)
        if call.move == "switch" or call.article_id is None or call.article_id not in self.articles:
            return None, in_context
        if call.move == "new":
            # read with the topic in front of it, the message still reads as this article: no need to ask which
            # one is meant when that reading is as confident as the clarify rule wants
            assert in_context is not None
            if in_context.confidence >= self.config.clarify.rule().max_confidence:
                return DialogueDecision("new_topic", encoded.text, allow_offers=allow_offers, cues=reasons), None
            return None, in_context  # unsure: asked about, the topic among the choices when it reads second
        if call.move == "neighbour":
            assert in_context is not None
            return DialogueDecision(
                "follow_up",
                encoded.text,
                article_id=call.article_id,
                retrieval=self.articles.focused(call.article_id, (), in_context.intent, in_context.confidence),
                allow_offers=allow_offers and not upset,
                cues=reasons,
            ), in_context
        if call.move == "stay" and in_context is not None:
            moved_on = self._after_last(encoded, state, in_context, previous, reread, allow_offers and not upset)
            if moved_on is not None:
                return replace(moved_on, cues=(*reasons, *moved_on.cues)), in_context
        passed_over = alone.top if alone.top and alone.confidence >= t.passed_over_confidence else None
        return DialogueDecision(
            "follow_up",
            encoded.text,
            article_id=aid,
            retrieval=self.articles.focused(
                aid,
                (),
                topic.intent,
                max(confidence, Reading.of(in_context).confidence) if in_context is not None else confidence,
            ),
            allow_offers=allow_offers and not upset,
            cues=reasons,
            overridden=passed_over if passed_over in self.articles else None,
        ), in_context

    def _after_last(
        self,
        encoded: Encoded,
        state: DialogueState,
        in_context: Retrieval,
        previous: str | None,
        reread: Reread | None,
        allow_offers: bool,
    ) -> DialogueDecision | None:
        """A message the topic rule keeps on the topic, read after the customer's last message when that is not
        the topic's question (:func:`~assistant.dialogue.topic_rule.after_last_message`): the follow-up answered
        from the article that reading finds, or None (the topic stays)."""
        assert state.topic is not None
        if reread is None or not previous or previous.strip() == state.query.strip():
            return None
        after_last = reread(in_context_text(replace(state, query=previous), encoded.text))
        call = after_last_message(
            topic=state.topic.article_id,
            in_context=Reading.of(in_context),
            after_last=Reading.of(after_last),
            t=self.config.thresholds,
        )
        if call is None or call.article_id is None or call.article_id not in self.articles:
            return None
        return DialogueDecision(
            "follow_up",
            encoded.text,
            article_id=call.article_id,
            retrieval=self.articles.focused(call.article_id, (), after_last.intent, after_last.confidence),
            allow_offers=allow_offers,
            cues=(call.reason,),
        )

    def _not_helpful(
        self, encoded: Encoded, words: int, retrieval: Retrieval, state: DialogueState, cue: str
    ) -> DialogueDecision:
        """ "That didn't help": what the customer restated, else the article the router preferred for the last
        message, else the next-best article of the topic's ranking, else the offer of a person."""
        assert state.topic is not None
        aid = state.topic.article_id
        t = self.config.thresholds
        said = retrieval.article_ids[0] if retrieval.in_scope and retrieval.article_ids else None
        if said is not None and said != aid and said not in state.tried and words > t.opener_words:
            # "that didn't help, I need to know if you'll freeze the interest": the customer said what they
            # meant, and the router places it: answer that rather than the old ranking's next best.
            return DialogueDecision(
                "not_helpful",
                encoded.text,
                article_id=said,
                retrieval=self.articles.focused(said, (), retrieval.intent, retrieval.confidence),
                allow_offers=False,
                cues=(cue, "restated"),
            )
        query = state.query or encoded.text
        following = [
            a
            for a in dict.fromkeys((state.passed_over, *state.alternatives))
            if a and a not in state.tried and a in self.articles
        ]
        if state.unhelpful >= 1 or not following:
            return DialogueDecision("offer_person", query, article_id=aid, allow_offers=False, cues=(cue,))
        nxt = following[0]
        why = "the router's reading of the last message" if nxt == state.passed_over else "next best"
        return DialogueDecision(
            "not_helpful",
            query,
            article_id=nxt,
            retrieval=self.articles.focused(nxt),
            allow_offers=False,
            cues=(cue, why),
        )
