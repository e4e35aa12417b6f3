"""Stage: is this message a follow-up to the conversation's active topic or a new topic, and of what kind?

It runs after retrieve (it reads the router's ranking of this message) and before generate: its
:class:`DialogueDecision` tells the pipeline which article and sections to answer from, in which register,
whether an offer may be shown, or that the reply is a short close or a clarifying question instead. With an
active topic it may ask the router for a second reading of the message after the topic's question
(``reread``); :mod:`assistant.dialogue.topic_rule` weighs the two readings.

The stage decides the order of the questions (an open clarifying question, a close, a follow-up, a new topic);
the cues a message's words carry are read by :mod:`assistant.dialogue.cues`, and which follow-up a message with
an active topic is by :mod:`assistant.dialogue.follow_up`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace

from assistant.dialogue.articles import DialogueArticles, shares
from assistant.dialogue.clarify import ClarifyRule
from assistant.dialogue.config import DialogueConfig, load_dialogue_config
from assistant.dialogue.cues import DialogueCues, normalise
from assistant.dialogue.decision import (
    DECISION_KINDS,
    FOLLOW_UP_KINDS,
    DecisionKind,
    DialogueDecision,
    blocks_offers,
    frustrated,
)
from assistant.dialogue.follow_up import FollowUpReader, Reread, in_context_text
from assistant.dialogue.state import Choice, DialogueState
from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings
from assistant.types import Encoded, Retrieval, Signals

logger = logging.getLogger(__name__)


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
        self._cues: DialogueCues | None = None
        self._follow_up: FollowUpReader | None = None
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
    def cues(self) -> DialogueCues:
        """The cue patterns of ``prompts/dialogue.yaml``, compiled (:class:`~assistant.dialogue.cues.DialogueCues`)."""
        self.warm_up()
        assert self._cues is not None
        return self._cues

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
            self._cues = DialogueCues(config)
            self._follow_up = FollowUpReader(config, self._articles, self._cues)
            self._config = config

    # ------------------------------------------------------------------ helpers

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

    def _picked(self, text: str, encoded: Encoded, choices: Sequence[Choice], choice_id: str | None) -> Choice | None:
        by_words = self.cues.picked(text, choices, choice_id)
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
        return self.cues.without_marker(message)

    def _unmarked(self, text: str, message: str, retrieval: Retrieval, reread: Reread | None) -> tuple[str, Retrieval]:
        """A switch-marked message the router reads alone under the scope bar, read again without its marker
        (the marker's words pull the reading away from the question); the message and reading to go on with."""
        if retrieval.in_scope or reread is None or self.cues.matches("switch", text) is None:
            return message, retrieval
        stripped = self.without_marker(message)
        if stripped is None:
            return message, retrieval
        again = reread(stripped)
        return (stripped, again) if again.in_scope else (message, retrieval)

    @staticmethod
    def in_context_text(state: DialogueState, message: str) -> str:
        """The message read after the topic's question (what ``reread`` is asked to rank)."""
        return in_context_text(state, message)

    def expected_reread(self, state: DialogueState, message: str, choice_id: str | None = None) -> str | None:
        """The text ``run`` will likely ask ``reread`` to rank for ``message`` (the redacted text), predicted before
        the message is encoded so both can share one encoder pass; None when the message's words alone already
        settle the turn (a picked choice, a close, "that didn't help", "simpler", "more detail", an
        acknowledgement) or there is no active topic. Only a prediction: the turn reads the same whether it
        holds (the reading is taken from the shared pass) or not (``reread`` encodes the text on its own)."""
        self.warm_up()
        if state.topic is None or state.topic.article_id not in self.articles:
            return None
        text = normalise(message)
        question = state.open_question
        if question is not None and (
            self.cues.picked(text, question.choices, choice_id) is not None or self.cues.matches("none_of_these", text)
        ):
            return None
        words = len(text.split())
        t = self.config.thresholds
        short = words <= t.follow_up_words
        if self.cues.matches("not_helpful", text):
            return None
        if short and any(self.cues.matches(name, text) for name in ("close", "simpler", "more_detail", "acknowledge")):
            return None
        if short and state.more_offered and self.cues.matches("accept", text):
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
        previous: str | None = None,
    ) -> DialogueDecision:
        """The decision for this turn; ``choice_id`` is a clicked quick reply of the open question, if any;
        ``reread`` gives the router's ranking of another text (the message after the topic's question);
        ``previous`` is the customer's last message (redacted), read before this one when the topic is kept."""
        self.warm_up()
        text = normalise(encoded.text)
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
            cue = self.cues.matches("none_of_these", text)
            if cue:
                return DialogueDecision(
                    "none_of_these", encoded.text, text=self.config.texts.none_of_these, allow_offers=False, cues=(cue,)
                )
        message, retrieval = self._unmarked(text, encoded.text, retrieval, reread)
        unmarked = retrieval if message != encoded.text else None
        words = len(text.split())
        t = self.config.thresholds
        cue = self.cues.matches("close", text)
        asks = retrieval.in_scope and retrieval.confidence >= t.switch_confidence  # "thanks, now I need to ..."
        asks = asks or (retrieval.in_scope and self.cues.matches("switch", text) is not None)  # "ta. different q - ..."
        if cue and words <= t.follow_up_words and not asks:
            return DialogueDecision(
                "close", encoded.text, text=self.config.texts.close, allow_offers=False, cues=(cue,)
            )
        in_context: Retrieval | None = None
        if state.topic is not None and state.topic.article_id in self.articles:
            reader = self._follow_up
            assert reader is not None
            decision, in_context = reader.read(
                encoded, text, words, retrieval, signals, state, allow_offers, reread, previous
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
