"""The question-focused composer (``composer``): answers built from the retrieved articles' own sentences, with no
language model.

It ranks the sentences of the retrieved article(s) (:mod:`assistant.answers.focus`, :mod:`.selection`) and leads
with the one that answers the question (the figure, the yes/no, the time), then adds the next best within the
register's budget; then what the knowledge base cannot hold and where to find it, glossary lines, the article's
risk warning, an offer only about the question, and closers -- all worded in ``prompts/composer.yaml``
(:mod:`.composer_prompts`). The first, whole-layer composer is :class:`LayerComposerBackend` (``composer_v1``,
:mod:`.composer_v1`); the rendering both share is :mod:`.render`.

>>> from assistant.settings import Settings
>>> ComposerBackend(Settings()).name, LayerComposerBackend(Settings()).name
('composer', 'composer_v1')
"""

from __future__ import annotations

import threading

from assistant.answers.base import GenerationRequest, citation_for, top_passages
from assistant.answers.composer_prompts import ComposerPrompts, load_composer_prompts
from assistant.answers.composer_v1 import LayerComposerBackend
from assistant.answers.focus import FIGURE_ASKS, FactInfo, article_facts, kb_facts
from assistant.answers.render import (
    Composed,
    ComposerShell,
    glossary_paragraph,
    glossary_passage,
    offer_for,
    parse_glossary,
    risk_paragraph,
    term_pattern,
)
from assistant.answers.selection import FocusSelection, as_prose, focus_selection, not_held_sentences
from assistant.answers.sentence_vectors import VECTORS_FILE, EmbeddingCache, KnownVectors
from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.prompts import render
from assistant.settings import Settings
from assistant.types import Passage, Signals

NAME = "composer"

__all__ = [
    "ComposerBackend",
    "ComposerPrompts",
    "FocusSelection",
    "LayerComposerBackend",
    "load_composer_prompts",
    "parse_glossary",
    "term_pattern",
]


class ComposerBackend(ComposerShell):
    """Answers the question from the knowledge base's own sentences (no model); grounded and figure-exact by
    construction.

    >>> from assistant.answers.kbview import load_articles, oracle_retrieval
    >>> from assistant.settings import Settings
    >>> from assistant.answers.base import make_signals
    >>> from assistant.types import Style
    >>> settings = Settings()
    >>> article = load_articles(settings.kb_dir)[0]
    >>> signals = make_signals(literacy="novice")
    >>> style = Style(tone="neutral", register="plain", target_grade=6, length="short", glossary=True)
    >>> request = GenerationRequest("how old do I need to be?", style, oracle_retrieval([article]), signals)
    >>> draft = ComposerBackend(settings).stream(request).collect()
    >>> draft.citations[0].article_id == article.id
    True
    """

    name = NAME

    def __init__(
        self, settings: Settings, prompts: ComposerPrompts | None = None, encoder: TextEncoder | None = None
    ) -> None:
        super().__init__(settings, prompts)
        self._encoder = encoder
        self._cache: EmbeddingCache | None = None
        self._lock = threading.Lock()

    @property
    def cache(self) -> EmbeddingCache:
        with self._lock:
            if self._cache is None:
                source = self._settings.data_dir / VECTORS_FILE
                self._cache = EmbeddingCache(self._encoder or shared_encoder(), source=source)
            return self._cache

    @property
    def facts(self) -> tuple[FactInfo, ...]:
        return kb_facts(self._settings.kb_dir)

    def select(self, request: GenerationRequest) -> FocusSelection | None:
        """The sentences of the retrieved article(s) that answer ``request.query`` (see :func:`focus_selection`)."""
        cache = self.cache
        vectors = cache if request.query_vector is None else KnownVectors(cache, {request.query: request.query_vector})
        return focus_selection(
            self.prompts,
            self.facts,
            vectors,
            request.query,
            request.style,
            request.retrieval,
            article_facts(self._settings.kb_dir),
        )

    def warm_up(self) -> None:
        """Load prompts and facts, the knowledge base's sentence vectors written by ``attune ingest`` (when the
        data dir has them), and the encoder."""
        _ = self.prompts, self.facts
        self.cache.refresh(force=True)
        self.cache.embed(["warm up"])

    def compose(self, request: GenerationRequest) -> Composed:
        """The answer text, the passages it used and the offer sentences it contains: the direct answer first
        (the sentence that best answers the question), then the next best in article order within the register's
        budget, then what the customer cannot get here and where to get it, glossary, risk warning, an offer
        only when it is about the question, and the closers that apply."""
        p = self.prompts
        f = p.focus
        style, retrieval, signals = request.style, request.retrieval, request.signals
        passages = top_passages(retrieval)
        if retrieval.other_organisation is not None:
            return self.out_of_scope_text(retrieval.other_organisation), (), ()
        selection = self.select(request) if passages else None
        if selection is None:
            return self.not_held_text(request.query) or self.out_of_scope_text(), (), ()
        if not retrieval.in_scope and not self._confident_enough(selection):
            return self.not_held_text(request.query) or self.out_of_scope_text(), (), ()
        lead = selection.lead.candidate
        top = next(p_ for p_ in selection.passages if p_.article_id == lead.article_id)

        paragraphs: list[str] = []
        opener = self._opener(signals)
        if opener:
            paragraphs.append(opener)
        paragraphs.append(f"{lead.intro}\n{lead.text}" if lead.intro else as_prose(lead))
        pair = selection.pair.candidate if selection.pair else None
        if pair is not None:  # the second figure asked for, right after the first
            if pair.intro and pair.intro == lead.intro:
                paragraphs[-1] += "\n" + pair.text
            elif pair.intro:
                paragraphs.append(f"{pair.intro}\n{pair.text}")
            elif lead.intro:
                paragraphs.append(as_prose(pair))
            else:
                paragraphs[-1] += " " + as_prose(pair)
        paragraphs.extend(selection.not_held)
        body = [lead.clean, *([pair.clean] if pair else [])]
        current: list[str] = []
        current_kind = ""
        last_block = lead.block
        for i, r in enumerate(selection.rest):
            c = r.candidate
            body.append(c.clean)
            kind = "list" if c.list_item else "prose"
            if current and (kind != current_kind or (kind == "prose" and c.block != last_block)):
                paragraphs.append(("\n" if current_kind == "list" else " ").join(current))
                current = []
            shown = (lead.intro, pair.intro if pair else "", *(x.candidate.intro for x in selection.rest[:i]))
            if c.intro and c.intro not in shown:
                if current:
                    paragraphs.append(("\n" if current_kind == "list" else " ").join(current))
                current = [c.intro]
                current_kind = "list"
            current.append(c.text)
            current_kind, last_block = kind, c.block
        if current:
            paragraphs.append(("\n" if current_kind == "list" else " ").join(current))
        citations = [citation_for(ps) for ps in selection.passages]

        glossary = glossary_passage(retrieval, top.article_id)
        if style.glossary and f.glossary_max:
            words = glossary_paragraph(p, glossary, request.query + "\n" + "\n".join(body), f.glossary_max)
            if words and glossary is not None:
                paragraphs.append(words)
                citations.append(citation_for(glossary))

        risk = risk_paragraph(p, top)
        if risk:
            paragraphs.append(risk)

        offers: tuple[str, ...] = ()
        offer = offer_for(p, top, style, signals, focused=True)
        if offer:
            paragraphs.append(render(offer))
            offers = (offer,)

        closers = []
        if style.details_on_request and selection.more:
            closers.append(render(p.closers.details_on_request, title=top.title))
        if self._person_line_warranted(signals, top) and not selection.not_held:
            closers.append(f.person_line)
        if closers:
            paragraphs.append(" ".join(closers))
        return "\n\n".join(paragraphs), tuple(citations), offers

    def _confident_enough(self, selection: FocusSelection) -> bool:
        """Below the retrieval confidence bar, answer only when the lead sentence carries a fact of the asked kind
        that the question clearly names (``focus.low_confidence``; optionally figure questions only)."""
        lc = self.prompts.focus.low_confidence
        lead = selection.lead
        if lc.enabled and lead is selection.best_fact and lead.kind_match and lead.fact_relevance >= lc.fact_match:
            return True  # the facts file names what is asked, whatever the retriever's doubt
        answer = selection.answer
        if (
            lc.enabled
            and answer is not None
            and answer.match >= lc.answer_match
            and answer.margin >= lc.answer_margin
            and answer.cosine >= lc.answer_cosine
        ):
            return True  # the fact that answers the question leads, and the question clearly names it
        return (
            lc.enabled
            and (selection.asks in FIGURE_ASKS or not lc.figure_questions_only)
            and lead.kind_match
            and lead.cosine >= lc.min_cosine
            and (
                (lead.fact_relevance >= lc.min_fact_relevance and lead.score >= lc.min_score)
                or lead.score >= lc.strong_score
            )
        )

    def not_held_text(self, query: str) -> str | None:
        """For a question about what the knowledge base cannot hold (the customer's own payment, balance or case)
        that nothing retrieved answers: where to find it, instead of the out-of-scope reply."""
        sentences = not_held_sentences(self.prompts, query)
        return " ".join(sentences) if sentences else None

    def _opener(self, signals: Signals) -> str | None:
        """One short empathetic sentence, only when the signals say the customer is upset."""
        o = self.prompts.focus.openers
        if signals.distress in ("high", "crisis") or {"health", "life_event", "resilience"} & set(
            signals.vulnerability
        ):
            return o.high
        if signals.distress == "mild":
            return o.mild
        if signals.sentiment == "negative":
            return o.negative
        return None

    @staticmethod
    def _person_line_warranted(signals: Signals, top: Passage) -> bool:
        upset = signals.distress != "none" or signals.sentiment == "negative"
        return upset or bool(signals.vulnerability) or signals.handoff_requested or top.sensitive
