"""Stage: is this message a follow-up to the conversation's active topic or a new topic, and of what kind?

It runs after retrieve (it reads the router's ranking of this message, never encodes again) and before generate:
its :class:`DialogueDecision` tells the pipeline which article and sections to answer from, in which register,
whether an offer may be shown, or that the reply is a short close or a clarifying question instead.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from assistant.dialogue.clarify import ClarifyRule
from assistant.dialogue.config import DialogueConfig, load_dialogue_config
from assistant.dialogue.state import Choice, DialogueState
from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.kb.loader import GLOSSARY_SECTION, KnowledgeBase, load_kb
from assistant.settings import Settings
from assistant.types import Encoded, Passage, Register, Retrieval, Signals

logger = logging.getLogger(__name__)

DecisionKind = Literal[
    "new_topic",  # the router's ranking as it is
    "same_topic",  # the router put the message on the active topic itself
    "follow_up",  # answered from the active topic's article, for this message
    "more_detail",  # the next layer of the active article
    "simpler",  # the plain layer and glossary of the active article
    "not_helpful",  # the next-best article for the topic's question
    "offer_person",  # nothing better to show: offer a person
    "close",  # "thanks, that's all": a short close
    "clarify",  # ask which of 2-3 articles is meant
    "choice",  # the customer picked one of the offered choices
    "none_of_these",  # the customer picked none of them
]
DECISION_KINDS: tuple[DecisionKind, ...] = (
    "new_topic",
    "same_topic",
    "follow_up",
    "more_detail",
    "simpler",
    "not_helpful",
    "offer_person",
    "close",
    "clarify",
    "choice",
    "none_of_these",
)
FOLLOW_UP_KINDS = frozenset({"same_topic", "follow_up", "more_detail", "simpler", "not_helpful", "offer_person"})
NEXT_LAYER: dict[str | None, str | None] = {
    None: "Details",
    "In short": "Details",
    "Details": "For the technically minded",
    "For the technically minded": None,
}
LAYER_REGISTER: dict[str, Register] = {
    "In short": "plain",
    "Details": "standard",
    "For the technically minded": "technical",
}


@dataclass(frozen=True)
class DialogueDecision:
    """What the pipeline does with this turn (see :class:`DialogueTracker`).

    ``retrieval``: the passages to answer from instead of the router's (None: the router's ranking); ``query``:
    the text the answer is written for (the topic's question for "more detail", a choice, "that didn't help");
    ``text``: the reply when nothing is drafted (close, clarifying question, "none of these");
    ``choices``: the clarifying question's quick replies; ``cues``: why this kind was chosen.
    """

    kind: DecisionKind
    query: str
    article_id: str | None = None
    sections: tuple[str, ...] = ()
    retrieval: Retrieval | None = None
    register: Register | None = None
    glossary: bool | None = None
    text: str = ""
    choices: tuple[Choice, ...] = ()
    allow_offers: bool = True
    cues: tuple[str, ...] = ()

    @property
    def follow_up(self) -> bool:
        return self.kind in FOLLOW_UP_KINDS


def _compile(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().replace("\u2019", "'"))


def frustrated(signals: Signals | None) -> bool:
    """A complaint, negative sentiment or any distress: the customer is upset about what they already asked."""
    return signals is not None and (
        signals.complaint or signals.sentiment == "negative" or signals.distress in ("mild", "high")
    )


def blocks_offers(signals: Signals | None) -> bool:
    """A complaint, distress or a vulnerability cue: no product offers for the rest of the conversation."""
    return signals is not None and (
        signals.complaint
        or signals.distress != "none"
        or bool(signals.vulnerability)
        or signals.sentiment == "negative"
    )


class DialogueTracker:
    """Decides, per turn, between a new topic and a follow-up (and which kind) from the state, the message's
    encoder vector and the router's ranking of it, plus the cue patterns of ``prompts/dialogue.yaml``.

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
        self._kb: KnowledgeBase | None = None
        self._passages: dict[str, tuple[Passage, ...]] = {}
        self._vectors: dict[str, np.ndarray] = {}
        self._patterns: dict[str, list[re.Pattern[str]]] = {}
        self._ordinals: list[list[re.Pattern[str]]] = []
        self._lock = threading.Lock()

    @property
    def config(self) -> DialogueConfig:
        self.warm_up()
        assert self._config is not None
        return self._config

    @property
    def clarify_rule(self) -> ClarifyRule:
        return self.config.clarify.rule()

    def warm_up(self) -> None:
        """Load the patterns, the knowledge base's sections and one vector per article (mean of its questions)."""
        with self._lock:
            if self._config is not None:
                return
            config = load_dialogue_config(self._settings.prompts_dir)
            kb = load_kb(self._settings.kb_dir)
            encoder = self._encoder or shared_encoder()
            texts: list[str] = []
            owners: list[str] = []
            for article in kb.articles:
                for text in (article.title, *article.questions):
                    texts.append(text)
                    owners.append(article.id)
            vectors = np.asarray(encoder.encode(texts), dtype=np.float32)
            for article in kb.articles:
                rows = vectors[[i for i, o in enumerate(owners) if o == article.id]]
                mean = rows.mean(axis=0)
                self._vectors[article.id] = mean / (np.linalg.norm(mean) or 1.0)
                self._passages[article.id] = tuple(
                    Passage(
                        article_id=article.id,
                        title=article.title,
                        section=section,
                        text=text,
                        score=1.0,
                        intents=article.meta.intents,
                        product=article.meta.product,
                        sensitive=article.meta.sensitive,
                        risk_warning=kb.render(article.meta.risk_warning) if article.meta.risk_warning else None,
                    )
                    for section, text in kb.rendered_sections(article)
                )
            self._patterns = {name: _compile(p) for name, p in config.patterns.model_dump().items()}
            self._ordinals = [_compile(group) for group in config.ordinals]
            self._kb = kb
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

    def title(self, article_id: str) -> str:
        self.warm_up()
        assert self._kb is not None
        return self._kb.article(article_id).title

    def topic_cosine(self, encoded: Encoded, article_id: str) -> float:
        """Cosine of the message's encoder vector to the article's vector (mean of its title and questions)."""
        self.warm_up()
        target = self._vectors.get(article_id)
        if target is None:
            return 0.0
        vector = np.asarray(encoded.vector, dtype=np.float32).reshape(-1)
        return float(vector @ target / (np.linalg.norm(vector) or 1.0))

    def focused(
        self, article_id: str, sections: Sequence[str] = (), intent: str | None = None, confidence: float = 1.0
    ) -> Retrieval:
        """A retrieval holding one article's passages (only ``sections`` when given)."""
        self.warm_up()
        passages = tuple(p for p in self._passages[article_id] if not sections or p.section in sections)
        intents = self._passages[article_id][0].intents if self._passages[article_id] else ()
        return Retrieval(
            passages=passages,
            article_ids=(article_id,),
            confidence=round(confidence, 4),
            in_scope=True,
            intent=intent or (intents[0] if intents else None),
        )

    def choices_for(self, retrieval: Retrieval) -> tuple[Choice, ...]:
        """The clarifying choices for ``retrieval`` (empty when the rule does not ask)."""
        shares = _shares(retrieval)
        n = self.clarify_rule.choices(confidence=retrieval.confidence, shares=[s for _, s in shares])
        return tuple(Choice(f"c{i + 1}", aid, self.title(aid)) for i, (aid, _) in enumerate(shares[:n]))

    def question(self, choices: Sequence[Choice]) -> str:
        texts = self.config.texts
        labels = [c.label.rstrip(" ?.!") for c in choices]
        joined = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} {texts.clarify_or} {labels[-1]}"
        return texts.clarify.replace("{choices}", joined)

    def _picked(self, text: str, encoded: Encoded, choices: Sequence[Choice], choice_id: str | None) -> Choice | None:
        by_id = {c.id: c for c in choices}
        if choice_id is not None and choice_id in by_id:
            return by_id[choice_id]
        for i, group in enumerate(self._ordinals):
            if i < len(choices) and any(p.search(text) for p in group):
                return choices[i]
        for choice in choices:
            if _normalise(choice.label) in text:
                return choice
        t = self.config.thresholds
        scored = sorted(((self.topic_cosine(encoded, c.article_id), c) for c in choices), key=lambda x: -x[0])
        if scored and scored[0][0] >= t.choice_cosine:
            runner = scored[1][0] if len(scored) > 1 else -1.0
            if scored[0][0] - runner >= t.choice_margin:
                return scored[0][1]
        return None

    # ------------------------------------------------------------------ the turn

    def run(
        self,
        *,
        encoded: Encoded,
        retrieval: Retrieval,
        signals: Signals | None,
        state: DialogueState,
        choice_id: str | None = None,
    ) -> DialogueDecision:
        """The decision for this turn; ``choice_id`` is a clicked quick reply of the open question, if any."""
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
                    retrieval=self.focused(picked.article_id),
                    allow_offers=allow_offers,
                    cues=(f"picked {picked.id}",),
                )
            cue = self._matches("none_of_these", text)
            if cue:
                return DialogueDecision(
                    "none_of_these", encoded.text, text=self.config.texts.none_of_these, allow_offers=False, cues=(cue,)
                )
        words = len(text.split())
        cue = self._matches("close", text)
        if cue and words <= self.config.thresholds.follow_up_words:
            return DialogueDecision(
                "close", encoded.text, text=self.config.texts.close, allow_offers=False, cues=(cue,)
            )
        topic = state.topic
        if topic is not None:
            decision = self._follow_up(encoded, text, words, retrieval, signals, state, allow_offers)
            if decision is not None:
                return decision
        choices = self.choices_for(retrieval) if retrieval.in_scope or retrieval.confidence > 0 else ()
        if choices and retrieval.other_organisation is None:
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
    ) -> DialogueDecision | None:
        assert state.topic is not None
        topic = state.topic
        t = self.config.thresholds
        aid = topic.article_id
        if aid not in self._passages:
            return None
        query = state.query or encoded.text
        short = words <= t.follow_up_words
        cue = self._matches("not_helpful", text)
        if cue:
            said = retrieval.article_ids[0] if retrieval.in_scope and retrieval.article_ids else None
            if said is not None and said != aid and said not in state.tried and words > t.opener_words:
                # "that didn't help, I need to know if you'll freeze the interest": the customer said what they
                # meant, and the router places it: answer that rather than the old ranking's next best.
                return DialogueDecision(
                    "not_helpful",
                    encoded.text,
                    article_id=said,
                    retrieval=self.focused(said, (), retrieval.intent, retrieval.confidence),
                    allow_offers=False,
                    cues=(cue, "restated"),
                )
            following = [a for a in state.alternatives if a not in state.tried and a in self._passages]
            if state.unhelpful >= 1 or not following:
                return DialogueDecision("offer_person", query, article_id=aid, allow_offers=False, cues=(cue,))
            nxt = following[0]
            return DialogueDecision(
                "not_helpful", query, article_id=nxt, retrieval=self.focused(nxt), allow_offers=False, cues=(cue,)
            )
        cue = self._matches("simpler", text)
        if cue and short:
            sections = ("In short", GLOSSARY_SECTION)
            return DialogueDecision(
                "simpler",
                query,
                article_id=aid,
                sections=sections,
                retrieval=self.focused(aid, sections, topic.intent),
                register="plain",
                glossary=True,
                allow_offers=False,
                cues=(cue,),
            )
        cue = self._matches("more_detail", text) if short else None
        if cue is None and short and state.more_offered:
            cue = self._matches("accept", text)
        if cue:
            layer = NEXT_LAYER.get(state.layer, "Details")
            if layer is None:
                return DialogueDecision(
                    "more_detail", query, article_id=aid, text=self.config.texts.no_more_detail, cues=(cue,)
                )
            return DialogueDecision(
                "more_detail",
                query,
                article_id=aid,
                sections=(layer,),
                retrieval=self.focused(aid, (layer,), topic.intent),
                register=LAYER_REGISTER[layer],
                allow_offers=False,
                cues=(cue,),
            )
        top = retrieval.article_ids[0] if retrieval.article_ids else None
        upset = frustrated(signals)
        confidence = max(retrieval.confidence, 0.5)
        if top == aid:
            return DialogueDecision(
                "same_topic",
                encoded.text,
                article_id=aid,
                retrieval=self.focused(aid, (), topic.intent, confidence),
                allow_offers=allow_offers and not upset,
            )
        follow_cue = self._follow_cue(text, words) if short else None
        shares = dict(_shares(retrieval))
        top_share = max(shares.values(), default=0.0)
        contender = top_share > 0 and shares.get(aid, 0.0) / top_share >= t.topic_share_ratio
        bar = t.switch_confidence
        if follow_cue:
            # a message long enough to name its own subject needs less to leave the topic than a bare "and it?"
            bar = max(bar, t.switch_confidence_cue if words <= t.opener_words else t.switch_confidence_long_cue)
        if upset:
            bar = max(bar, t.switch_confidence_frustrated)
        if retrieval.in_scope and retrieval.confidence >= bar and not (follow_cue and contender):
            return None  # a clear new topic
        cosine = self.topic_cosine(encoded, aid)
        if retrieval.in_scope and top is not None and not follow_cue and not upset and words > t.opener_words:
            # A self-contained question (longer than an opener, no word pointing back, not upset) in scope
            # switches unless it reads as about the topic: the topic is still a contender, or the message is
            # at least as close to the topic's article as to the router's pick.
            if not contender and cosine < self.topic_cosine(encoded, top):
                return None
        reasons = [c for c in (follow_cue, "frustrated" if upset else None) if c]
        if contender:
            reasons.append("topic still a contender")
        if cosine >= t.min_topic_cosine:
            reasons.append(f"close to the topic ({cosine:.2f})")
        stays = bool(follow_cue or upset or contender or cosine >= t.min_topic_cosine)
        if not stays:
            return None
        return DialogueDecision(
            "follow_up",
            encoded.text,
            article_id=aid,
            retrieval=self.focused(aid, (), topic.intent, confidence),
            allow_offers=allow_offers and not upset,
            cues=tuple(reasons),
        )


def _shares(retrieval: Retrieval) -> list[tuple[str, float]]:
    """(article id, share of the fused score) in ranked order, from the retrieval's passages."""
    seen: dict[str, float] = {}
    for p in retrieval.passages:
        seen.setdefault(p.article_id, p.score)
    return [(aid, seen.get(aid, 0.0)) for aid in retrieval.article_ids]


__all__ = [
    "DECISION_KINDS",
    "FOLLOW_UP_KINDS",
    "DecisionKind",
    "DialogueDecision",
    "DialogueTracker",
    "blocks_offers",
    "frustrated",
]
