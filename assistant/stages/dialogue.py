"""Stage: is this message a follow-up to the conversation's active topic or a new topic, and of what kind?

It runs after retrieve (it reads the router's ranking of this message) and before generate: its
:class:`DialogueDecision` tells the pipeline which article and sections to answer from, in which register,
whether an offer may be shown, or that the reply is a short close or a clarifying question instead. With an
active topic it may ask the router for a second reading of the message after the topic's question
(``reread``); :mod:`assistant.dialogue.topic_rule` weighs the two readings.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

from assistant.dialogue.articles import DialogueArticles, shares
from assistant.dialogue.clarify import ClarifyRule
from assistant.dialogue.config import DialogueConfig, load_dialogue_config
from assistant.dialogue.decision import (
    DECISION_KINDS,
    FOLLOW_UP_KINDS,
    LAYER_REGISTER,
    NEXT_LAYER,
    DecisionKind,
    DialogueDecision,
    blocks_offers,
    frustrated,
)
from assistant.dialogue.marker import without_marker
from assistant.dialogue.state import Choice, DialogueState
from assistant.dialogue.topic_rule import Reading, read_topic
from assistant.integrations.encoder import TextEncoder
from assistant.kb.loader import GLOSSARY_SECTION
from assistant.settings import Settings
from assistant.types import Encoded, Retrieval, Signals

logger = logging.getLogger(__name__)

Reread = Callable[[str], Retrieval]


def _compile(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().replace("\u2019", "'"))


class DialogueTracker:
    """Decides, per turn, between a new topic and a follow-up (and which kind) from the state, the message's
    encoder vector and the router's ranking of it (and, with an active topic, of the message read after the
    topic's question), plus the cue patterns of ``prompts/dialogue.yaml``.

    >>> from assistant.dialogue.state import Topic
    >>> from assistant.integrations.encoder import shared_encoder
    >>> tracker = DialogueTracker(Settings())
    >>> tracker.warm_up()
    >>> state = DialogueState(topic=Topic("declined-card-payment", "declined_card_payment"), layer="In short")
    >>> text = "tell me more"
    >>> encoded = Encoded(text, shared_encoder().encode([text])[0])
    >>> empty = Retrieval(passages=(), article_ids=(), confidence=0.0, in_scope=False)
    >>> decision = tracker.run(encoded=encoded, retrieval=empty, signals=None, state=state)
    >>> decision.kind, decision.sections
    ('more_detail', ('Details',))
    """

    def __init__(self, settings: Settings, encoder: TextEncoder | None = None) -> None:
        self._settings = settings
        self._encoder = encoder
        self._config: DialogueConfig | None = None
        self._articles: DialogueArticles | None = None
        self._patterns: dict[str, list[re.Pattern[str]]] = {}
        self._ordinals: list[list[re.Pattern[str]]] = []
        self._lock = threading.Lock()

    @property
    def config(self) -> DialogueConfig:
        self.warm_up()
        assert self._config is not None
        return self._config

    @property
    def articles(self) -> DialogueArticles:
        self.warm_up()
        assert self._articles is not None
        return self._articles

    @property
    def clarify_rule(self) -> ClarifyRule:
        return self.config.clarify.rule()

    def warm_up(self) -> None:
        """Load the patterns, the knowledge base's sections and one vector per article (mean of its questions)."""
        with self._lock:
            if self._config is not None:
                return
            config = load_dialogue_config(self._settings.prompts_dir)
            self._articles = DialogueArticles.load(self._settings, self._encoder)
            self._patterns = {name: _compile(p) for name, p in config.patterns.model_dump().items()}
            self._ordinals = [_compile(group) for group in config.ordinals]
            self._config = config

    # ------------------------------------------------------------------ helpers

    def _matches(self, name: str, text: str) -> str | None:
        for pattern in self._patterns[name]:
            found = pattern.search(text)
            if found:
                return f"{name}: {found.group(0).strip() or pattern.pattern}"
        return None

    def _follow_cue(self, text: str, words: int) -> str | None:
        """A word that points back at the topic ("that", "the fee", "what about abroad?"), or a question opener
        ("and", "can I", "how long") in a message too short to name its own subject."""
        cue = self._matches("follow_up", text)
        if cue is None and words <= self.config.thresholds.opener_words:
            cue = self._matches("opener", text)
        return cue

    def choices_for(self, retrieval: Retrieval, topic: str | None = None) -> tuple[Choice, ...]:
        """The clarifying choices for ``retrieval`` (empty when the rule does not ask); ``topic``, the active
        topic when the message also reads as it, is offered as the last choice when the ranking left it out."""
        ranked = shares(retrieval)
        n = self.clarify_rule.choices(confidence=retrieval.confidence, shares=[s for _, s in ranked])
        ids = [aid for aid, _ in ranked[:n]]
        if n and topic is not None and topic not in ids and topic in self.articles:
            ids = [*ids[: self.clarify_rule.max_choices - 1], topic]
        return tuple(Choice(f"c{i + 1}", aid, self.articles.titles[aid]) for i, aid in enumerate(ids))

    def question(self, choices: Sequence[Choice]) -> str:
        texts = self.config.texts
        labels = [c.label.rstrip(" ?.!") for c in choices]
        joined = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} {texts.clarify_or} {labels[-1]}"
        return texts.clarify.replace("{choices}", joined)

    def _picked_by_words(self, text: str, choices: Sequence[Choice], choice_id: str | None) -> Choice | None:
        by_id = {c.id: c for c in choices}
        if choice_id is not None and choice_id in by_id:
            return by_id[choice_id]
        for i, group in enumerate(self._ordinals):
            if i < len(choices) and any(p.search(text) for p in group):
                return choices[i]
        for choice in choices:
            if _normalise(choice.label) in text:
                return choice
        return None

    def _picked(self, text: str, encoded: Encoded, choices: Sequence[Choice], choice_id: str | None) -> Choice | None:
        by_words = self._picked_by_words(text, choices, choice_id)
        if by_words is not None:
            return by_words
        t = self.config.thresholds
        scored = sorted(((self.articles.cosine(encoded, c.article_id), c) for c in choices), key=lambda x: -x[0])
        if scored and scored[0][0] >= t.choice_cosine:
            runner = scored[1][0] if len(scored) > 1 else -1.0
            if scored[0][0] - runner >= t.choice_margin:
                return scored[0][1]
        return None

    def without_marker(self, message: str) -> str | None:
        """``message`` without its switch marker ("unrelated question: what's the fee?" -> "what's the fee?"), or
        None when it has none (or nothing is left once it is taken out)."""
        self.warm_up()
        return without_marker(
            message,
            self._patterns["switch"],
            self._patterns["switch_filler"],
            lambda before: any(self._matches(name, _normalise(before)) for name in ("close", "acknowledge")),
        )

    def _unmarked(self, text: str, message: str, retrieval: Retrieval, reread: Reread | None) -> tuple[str, Retrieval]:
        """A switch-marked message the router reads alone under the scope bar, read again without its marker
        (the marker's words pull the reading away from the question); the message and reading to go on with."""
        if retrieval.in_scope or reread is None or self._matches("switch", text) is None:
            return message, retrieval
        stripped = self.without_marker(message)
        if stripped is None:
            return message, retrieval
        again = reread(stripped)
        return (stripped, again) if again.in_scope else (message, retrieval)

    @staticmethod
    def in_context_text(state: DialogueState, message: str) -> str:
        """The message read after the topic's question (what ``reread`` is asked to rank)."""
        query = state.query or message
        return f"{query.rstrip()} {message}"

    def expected_reread(self, state: DialogueState, message: str, choice_id: str | None = None) -> str | None:
        """The text ``run`` will likely ask ``reread`` to rank for ``message`` (the redacted text), predicted before
        the message is encoded so both can share one encoder pass; None when the message's words alone already
        settle the turn (a picked choice, a close, "that didn't help", "simpler", "more detail", an
        acknowledgement) or there is no active topic. Only a prediction: the turn reads the same whether it
        holds (the reading is taken from the shared pass) or not (``reread`` encodes the text on its own)."""
        self.warm_up()
        if state.topic is None or state.topic.article_id not in self.articles:
            return None
        text = _normalise(message)
        question = state.open_question
        if question is not None and (
            self._picked_by_words(text, question.choices, choice_id) is not None or self._matches("none_of_these", text)
        ):
            return None
        words = len(text.split())
        t = self.config.thresholds
        short = words <= t.follow_up_words
        if self._matches("not_helpful", text):
            return None
        if short and any(self._matches(name, text) for name in ("close", "simpler", "more_detail", "acknowledge")):
            return None
        if short and state.more_offered and self._matches("accept", text):
            return None
        return self.in_context_text(state, message)

    # ------------------------------------------------------------------ the turn

    def run(
        self,
        *,
        encoded: Encoded,
        retrieval: Retrieval,
        signals: Signals | None,
        state: DialogueState,
        choice_id: str | None = None,
        reread: Reread | None = None,
    ) -> DialogueDecision:
        """The decision for this turn; ``choice_id`` is a clicked quick reply of the open question, if any;
        ``reread`` gives the router's ranking of another text (the message after the topic's question)."""
        self.warm_up()
        text = _normalise(encoded.text)
        allow_offers = not state.offer_shown and not state.offers_blocked and not blocks_offers(signals)
        question = state.open_question
        if question is not None:
            picked = self._picked(text, encoded, question.choices, choice_id)
            if picked is not None:
                return DialogueDecision(
                    "choice",
                    question.query,
                    article_id=picked.article_id,
                    retrieval=self.articles.focused(picked.article_id),
                    allow_offers=allow_offers,
                    cues=(f"picked {picked.id}",),
                )
            cue = self._matches("none_of_these", text)
            if cue:
                return DialogueDecision(
                    "none_of_these", encoded.text, text=self.config.texts.none_of_these, allow_offers=False, cues=(cue,)
                )
        message, retrieval = self._unmarked(text, encoded.text, retrieval, reread)
        unmarked = retrieval if message != encoded.text else None
        words = len(text.split())
        t = self.config.thresholds
        cue = self._matches("close", text)
        asks = retrieval.in_scope and retrieval.confidence >= t.switch_confidence  # "thanks, now I need to ..."
        asks = asks or (retrieval.in_scope and self._matches("switch", text) is not None)  # "ta. different q - ..."
        if cue and words <= t.follow_up_words and not asks:
            return DialogueDecision(
                "close", encoded.text, text=self.config.texts.close, allow_offers=False, cues=(cue,)
            )
        in_context: Retrieval | None = None
        if state.topic is not None and state.topic.article_id in self.articles:
            decision, in_context = self._follow_up(
                encoded, text, words, retrieval, signals, state, allow_offers, reread
            )
            if decision is not None:
                return decision
        decision = self._new_topic(encoded, retrieval, signals, state, allow_offers, in_context)
        if unmarked is None:
            return decision
        # read without its marker: the question is what is left, answered from that reading
        cues = (*decision.cues, f"read without the switch marker ({unmarked.confidence:.2f})")
        return replace(decision, query=message, retrieval=decision.retrieval or unmarked, cues=cues)

    def _new_topic(
        self,
        encoded: Encoded,
        retrieval: Retrieval,
        signals: Signals | None,
        state: DialogueState,
        allow_offers: bool,
        in_context: Retrieval | None,
    ) -> DialogueDecision:
        """The router's ranking as it is, or a clarifying question when it is unsure (never to a customer in
        high distress or crisis: they get the best guess, and a person is brought in by the escalation stage)."""
        calm = signals is None or signals.distress not in ("high", "crisis")
        topic = state.topic.article_id if state.topic is not None else None
        # the topic is offered as a choice when the in-context reading has it first or second
        reads_topic = in_context is not None and topic in in_context.article_ids[:2]
        wanted = calm and (retrieval.in_scope or retrieval.confidence > 0) and retrieval.other_organisation is None
        choices = self.choices_for(retrieval, topic if reads_topic else None) if wanted else ()
        if choices:
            return DialogueDecision(
                "clarify",
                encoded.text,
                text=self.question(choices),
                choices=choices,
                allow_offers=False,
                cues=(f"router unsure: confidence {retrieval.confidence:.2f}",),
            )
        return DialogueDecision("new_topic", encoded.text, allow_offers=allow_offers)

    def _follow_up(
        self,
        encoded: Encoded,
        text: str,
        words: int,
        retrieval: Retrieval,
        signals: Signals | None,
        state: DialogueState,
        allow_offers: bool,
        reread: Reread | None,
    ) -> tuple[DialogueDecision | None, Retrieval | None]:
        """A follow-up kind for a message with an active topic, or None (a new topic) with the in-context
        ranking when one was read."""
        assert state.topic is not None
        topic = state.topic
        t = self.config.thresholds
        aid = topic.article_id
        query = state.query or encoded.text
        short = words <= t.follow_up_words
        cue = self._matches("not_helpful", text)
        if cue:
            return self._not_helpful(encoded, words, retrieval, state, cue), None
        cue = self._matches("simpler", text)
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
        cue = self._matches("more_detail", text) if short else None
        if cue is None and short and state.more_offered:
            cue = self._matches("accept", text)
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
        cue = self._matches("acknowledge", text) if short else None
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
        marker = self._matches("switch", text)
        follow_cue = self._follow_cue(text, words) if short and marker is None else None
        in_context = reread(self.in_context_text(state, encoded.text)) if reread is not None else None
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
            if in_context.confidence >= self.clarify_rule.max_confidence:
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


__all__ = [
    "DECISION_KINDS",
    "FOLLOW_UP_KINDS",
    "DecisionKind",
    "DialogueDecision",
    "DialogueTracker",
    "Reread",
    "blocks_offers",
    "frustrated",
]
