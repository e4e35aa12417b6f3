"""The composer: answers built from the retrieved article's own sentences, with no language model.

``ComposerBackend`` (``composer``) answers the question asked: it ranks the sentences of the retrieved article(s)
(:mod:`assistant.answers.focus`) and leads with the one that answers it (the figure, the time), then adds the next
best within the register's budget; then what the knowledge base cannot hold and where to find it, glossary
lines, the article's risk warning, an offer only about the question, and closers -- all worded in
``prompts/composer.yaml``. ``LayerComposerBackend`` (``composer_v1``) is the first composer, which answers with
the article's whole layer per register (plain -> ``In short``; standard -> ``Details``; technical -> ``Details`` +
``For the technically minded``), kept for side-by-side evaluation.

>>> from assistant.settings import Settings
>>> prompts = load_composer_prompts(Settings().prompts_dir)
>>> prompts.layers["technical"]
['Details', 'For the technically minded']
>>> prompts.focus.budget["plain"].sentences
2
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.answers.base import DraftStream, GenerationRequest, chunk_text, citation_for, top_passages
from assistant.answers.focus import (
    FIGURE_ASKS,
    Candidate,
    EmbeddingCache,
    FactInfo,
    FocusWeights,
    Ranked,
    article_candidates,
    article_facts,
    detect_asks,
    kb_facts,
    rank_candidates,
    similar,
)
from assistant.answers.kbview import GLOSSARY_SECTION, SECTIONS
from assistant.errors import PromptError
from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.prompts import PromptFile, load_prompt_file, render, template_fields
from assistant.settings import Settings
from assistant.types import Citation, Draft, Passage, Register, Retrieval, Signals, Style, Tone

COMPOSER_FILE = "composer.yaml"
NAME = "composer"

_ALLOWED_FIELDS: dict[str, set[str]] = {
    "openers": {"title"},
    "closers": {"title"},
    "glossary_heading": set(),
    "glossary_line": {"term", "definition"},
    "risk_line": {"warning"},
    "offers": set(),
    "out_of_scope": {"topics"},
    "other_organisation": {"organisation", "topics"},
    "topics": set(),
}


class ComposerClosers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    details_on_request: str
    empathetic: str


class FocusWeightsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cosine: float = Field(ge=0)
    fact: float = Field(ge=0)
    kind: float = Field(ge=0)
    overlap: float = Field(ge=0)


class FocusBudget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sentences: int = Field(ge=1)
    words: int = Field(ge=5)
    margin: float = Field(ge=0)


class LowConfidence(BaseModel):
    """When retrieval is below the confidence bar, answer anyway only from a sentence carrying a fact of the kind
    asked whose description matches the question this well (else the out-of-scope reply)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    min_fact_relevance: float = Field(ge=0, le=1)
    min_cosine: float = Field(ge=0, le=1)
    min_score: float = Field(ge=0)
    figure_questions_only: bool = True


class FocusOpeners(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    high: str
    mild: str
    negative: str


class NotHeldRule(BaseModel):
    """A part of a question the knowledge base cannot hold (the customer's own data) and where to find it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    patterns: list[str] = Field(min_length=1)
    sentence: str

    @model_validator(mode="after")
    def _compiles(self) -> NotHeldRule:
        for pattern in self.patterns:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"not_held {self.id}: invalid pattern {pattern!r}: {exc}") from exc
        return self


class FocusConfig(BaseModel):
    """``composer.yaml`` ``focus``: how the question-focused composer ranks, budgets and frames an answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: FocusWeightsConfig
    section_prior: dict[Register, dict[str, float]]
    budget: dict[Register, FocusBudget]
    kind_lead_margin: float = Field(ge=0)
    runner_up_share: float = Field(gt=0, le=1)
    runner_up_penalty: float = Field(ge=0)
    runner_up_scale: float = Field(ge=0)
    glossary_max: int = Field(ge=0)
    rest_fact_min: float
    mechanism_section: dict[Register, str] = Field(default_factory=dict)
    mechanism_extra_words: int = Field(default=0, ge=0)
    repeat_cosine: float = Field(gt=0, le=1)
    low_confidence: LowConfidence
    openers: FocusOpeners
    person_line: str
    not_held: list[NotHeldRule] = Field(default_factory=list)
    offer_intents: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> FocusConfig:
        for register in ("plain", "standard", "technical"):
            if register not in self.budget or register not in self.section_prior:
                raise ValueError(f"focus: budget and section_prior need {register}")
            unknown = set(self.section_prior[register]) - set(SECTIONS)  # type: ignore[index]
            if unknown:
                raise ValueError(f"focus.section_prior.{register}: unknown sections {sorted(unknown)}")
        bad = {s for s in self.mechanism_section.values() if s not in SECTIONS}
        if bad:
            raise ValueError(f"focus.mechanism_section: unknown sections {sorted(bad)}")
        texts = [self.openers.high, self.openers.mild, self.openers.negative, self.person_line]
        texts += [r.sentence for r in self.not_held]
        for text in texts:
            if template_fields(text):
                raise ValueError(f"focus: no template variables allowed in {text!r}")
        return self

    def sentences(self) -> list[str]:
        return [
            self.openers.high,
            self.openers.mild,
            self.openers.negative,
            self.person_line,
            *(r.sentence for r in self.not_held),
        ]


class ComposerPrompts(PromptFile):
    """``prompts/composer.yaml``: layers per register and every sentence the composer adds around them."""

    layers: dict[Register, list[str]]
    short_blocks: int = Field(default=1, ge=1)
    openers: dict[Tone, list[str]]
    closers: ComposerClosers
    glossary_heading: str
    glossary_line: str
    risk_line: str
    offers: dict[str, str]
    topics: str
    out_of_scope: str
    other_organisation: str
    focus: FocusConfig

    @model_validator(mode="after")
    def _check(self) -> ComposerPrompts:
        for register in ("plain", "standard", "technical"):
            sections = self.layers.get(register)  # type: ignore[call-overload]
            if not sections:
                raise ValueError(f"layers.{register} is missing")
            unknown = set(sections) - set(SECTIONS)
            if unknown:
                raise ValueError(f"layers.{register}: unknown sections {sorted(unknown)}")
        templates: list[tuple[str, str]] = [
            ("glossary_heading", self.glossary_heading),
            ("glossary_line", self.glossary_line),
            ("risk_line", self.risk_line),
            ("topics", self.topics),
            ("out_of_scope", self.out_of_scope),
            ("other_organisation", self.other_organisation),
            ("closers", self.closers.details_on_request),
            ("closers", self.closers.empathetic),
        ]
        templates += [("openers", t) for texts in self.openers.values() for t in texts]
        templates += [("offers", t) for t in self.offers.values()]
        for kind, template in templates:
            extra = template_fields(template) - _ALLOWED_FIELDS[kind]
            if extra:
                raise ValueError(f"{kind}: unknown template variable(s) {sorted(extra)} in {template!r}")
        unknown_products = set(self.focus.offer_intents) - set(self.offers)
        if unknown_products:
            raise ValueError(f"focus.offer_intents: no offer sentence for {sorted(unknown_products)}")
        return self

    def fixed_sentences(self) -> list[str]:
        """Every sentence the composer may add that is not from the knowledge base (templates as regexes)."""
        texts = [self.closers.details_on_request, self.closers.empathetic, self.glossary_heading]
        texts += [t for group in self.openers.values() for t in group]
        texts += list(self.offers.values())
        texts.append(self.out_of_scope.replace("{topics}", self.topics))
        texts += self.focus.sentences()
        return texts

    def fixed_templates(self) -> list[str]:
        """Added sentences whose wording depends on the message; ``{organisation}`` marks the part that varies."""
        return [self.other_organisation.replace("{topics}", self.topics)]


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime_ns: int) -> ComposerPrompts:
    return load_prompt_file(path, ComposerPrompts)


def load_composer_prompts(prompts_dir: Path) -> ComposerPrompts:
    """Load and validate ``composer.yaml`` (cached until it changes); :class:`PromptError` when invalid."""
    path = Path(prompts_dir) / COMPOSER_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise PromptError(f"composer prompts not found: {path}") from exc
    return _load_cached(path, mtime)


def parse_glossary(text: str) -> list[tuple[str, str]]:
    """``term: definition`` lines of a Glossary passage."""
    entries = []
    for line in text.splitlines():
        term, sep, definition = line.partition(":")
        if sep and term.strip() and definition.strip():
            entries.append((term.strip(), definition.strip()))
    return entries


def term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s\-]+", term.strip()) if w]
    return re.compile(r"(?<![\w-])" + r"[\s\-]+".join(words) + r"(?:s|es)?(?![\w-])", re.IGNORECASE)


def _blocks(text: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


@dataclass(frozen=True)
class FocusSelection:
    """The sentences that answer one question: ``lead`` first, then ``rest`` (article order); ``more`` says
    whether the article holds further text; ``passages`` are the sections they come from (the citations)."""

    asks: str
    lead: Ranked
    rest: tuple[Ranked, ...]
    more: bool
    passages: tuple[Passage, ...]
    not_held: tuple[str, ...] = ()


def _words(text: str) -> int:
    return len(text.split())


def _candidate_pool(
    retrieval: Retrieval, share: float, penalty: float, scale: float
) -> tuple[list[Passage], dict[str, float]]:
    """Passages of the top article, and of the other retrieved articles scoring at least ``share`` of the top's,
    each with a score penalty that grows as its retrieval score falls behind the top's."""
    passages = top_passages(retrieval)
    penalties: dict[str, float] = {}
    if not passages:
        return passages, penalties
    top_score = passages[0].score
    for article in retrieval.article_ids[1:]:
        others = [p for p in retrieval.passages if p.article_id == article]
        if not others or top_score <= 0:
            continue
        ratio = others[0].score / top_score
        if ratio >= share:
            passages = passages + others
            penalties[article] = penalty + scale * (1.0 - min(ratio, 1.0))
    return passages, penalties


def focus_selection(
    prompts: ComposerPrompts,
    facts: tuple[FactInfo, ...],
    cache: EmbeddingCache,
    query: str,
    style: Style,
    retrieval: Retrieval,
    referenced: Mapping[str, frozenset[str]] | None = None,
) -> FocusSelection | None:
    """Rank the retrieved article's sentences for ``query`` and pick the lead and the rest within the register's
    budget (``composer.yaml`` ``focus``); None when there is nothing to answer from."""
    f = prompts.focus
    passages, penalties = _candidate_pool(retrieval, f.runner_up_share, f.runner_up_penalty, f.runner_up_scale)
    candidates = article_candidates(passages, facts, referenced)
    if not candidates:
        return None
    asked = {detect_asks(query)}
    w = f.weights
    weights = FocusWeights(w.cosine, w.fact, w.kind, w.overlap, f.section_prior.get(style.register, {}))
    ranked = rank_candidates(query, candidates, facts, cache, weights, asked, penalties)
    lead = ranked[0]
    if asked & FIGURE_ASKS and not lead.kind_match:
        for r in ranked[1:]:
            if r.score < lead.score - f.kind_lead_margin:
                break
            if r.kind_match:
                lead = r
                break
    article = lead.candidate.article_id
    budget = f.budget[style.register]
    chosen: list[Ranked] = []
    words = _words(lead.candidate.clean)
    for r in ranked:
        if len(chosen) + 1 >= budget.sentences:
            break
        c = r.candidate
        follows_lead = c.block == lead.candidate.block and c.order == lead.candidate.order + 1
        continues = follows_lead and bool(c.kinds & lead.candidate.kinds)  # "We post it in 1 day. It then takes..."
        if r is lead or c.article_id != article or (r.score < lead.score - budget.margin and not continues):
            continue
        if words + _words(c.clean) > budget.words:
            continue
        if c.facts and not set(c.facts) & set(lead.candidate.facts) and r.fact_relevance < f.rest_fact_min:
            continue  # a neighbouring figure the question did not ask about
        if any(similar(cache, c, x.candidate) >= f.repeat_cosine for x in [lead, *chosen]):
            continue
        chosen.append(r)
        words += _words(c.clean)
    wants = f.mechanism_section.get(style.register)
    if wants and all(x.candidate.section != wants for x in [lead, *chosen]):
        best = next((r for r in ranked if r.candidate.article_id == article and r.candidate.section == wants), None)
        if best is not None and words + _words(best.candidate.clean) <= budget.words + f.mechanism_extra_words:
            chosen.append(best)  # the precise mechanism, in the register that asks for it
            words += _words(best.candidate.clean)
    chosen.sort(key=lambda r: r.candidate.order)
    used = {lead.candidate.order, *(r.candidate.order for r in chosen)}
    more = any(c.article_id == article and c.order not in used for c in candidates)
    keys = [(lead.candidate.article_id, lead.candidate.section)]
    keys += [(r.candidate.article_id, r.candidate.section) for r in chosen]
    by_key = {(p.article_id, p.section): p for p in passages}
    cited = tuple(by_key[k] for k in dict.fromkeys(keys))
    not_held = tuple(
        rule.sentence
        for rule in f.not_held
        if any(re.search(pattern, query, re.IGNORECASE) for pattern in rule.patterns)
    )
    return FocusSelection(min(asked), lead, tuple(chosen), more, cited, not_held)


def _as_prose(candidate: Candidate) -> str:
    """A list item's text without its list marker (for the lead sentence)."""
    return re.sub(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+", "", candidate.text)


class ComposerBackend:
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
        self._settings = settings
        self._prompts = prompts
        self._encoder = encoder
        self._cache: EmbeddingCache | None = None
        self._lock = threading.Lock()

    @property
    def cache(self) -> EmbeddingCache:
        with self._lock:
            if self._cache is None:
                self._cache = EmbeddingCache(self._encoder or shared_encoder())
            return self._cache

    @property
    def facts(self) -> tuple[FactInfo, ...]:
        return kb_facts(self._settings.kb_dir)

    def select(self, request: GenerationRequest) -> FocusSelection | None:
        """The sentences of the retrieved article(s) that answer ``request.query`` (see :func:`focus_selection`)."""
        return focus_selection(
            self.prompts,
            self.facts,
            self.cache,
            request.query,
            request.style,
            request.retrieval,
            article_facts(self._settings.kb_dir),
        )

    @property
    def prompts(self) -> ComposerPrompts:
        if self._prompts is None:
            self._prompts = load_composer_prompts(self._settings.prompts_dir)
        return self._prompts

    def warm_up(self) -> None:
        _ = self.prompts, self.facts
        self.cache.embed(["warm up"])

    def stream(self, request: GenerationRequest) -> DraftStream:
        def deltas() -> Iterator[str]:
            text, citations, offers = self.compose(request)
            holder["draft"] = Draft(text=text, citations=citations, generator=self.name, offers=offers)
            yield from chunk_text(text)

        holder: dict[str, Draft] = {}
        return DraftStream(deltas(), lambda _text: holder["draft"])

    def out_of_scope_text(self, organisation: str | None = None) -> str:
        p = self.prompts
        if organisation is not None:
            return render(p.other_organisation, organisation=organisation, topics=p.topics)
        return render(p.out_of_scope, topics=p.topics)

    def compose(self, request: GenerationRequest) -> tuple[str, tuple[Citation, ...], tuple[str, ...]]:
        """The answer text, the passages it used and the offer sentences it contains: the direct answer first
        (the sentence that best answers the question), then the next best in article order within the register's
        budget, then what the customer cannot get here and where to get it, glossary, risk warning, an offer
        only when it is about the question, and the closers that apply."""
        p = self.prompts
        f = p.focus
        style, retrieval, signals = request.style, request.retrieval, request.signals
        passages = top_passages(retrieval)
        if not passages or retrieval.other_organisation is not None:
            return self.out_of_scope_text(retrieval.other_organisation), (), ()
        selection = self.select(request)
        if selection is None:
            return self.out_of_scope_text(), (), ()
        if not retrieval.in_scope and not self._confident_enough(selection):
            return self.out_of_scope_text(), (), ()
        lead = selection.lead.candidate
        top = next(p_ for p_ in selection.passages if p_.article_id == lead.article_id)

        paragraphs: list[str] = []
        opener = self._opener(signals)
        if opener:
            paragraphs.append(opener)
        paragraphs.append(f"{lead.intro}\n{lead.text}" if lead.intro else _as_prose(lead))
        paragraphs.extend(selection.not_held)
        body = [lead.clean]
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
            if c.intro and c.intro not in (lead.intro, *(x.candidate.intro for x in selection.rest[:i])):
                if current:
                    paragraphs.append(("\n" if current_kind == "list" else " ").join(current))
                current = [c.intro]
                current_kind = "list"
            current.append(c.text)
            current_kind, last_block = kind, c.block
        if current:
            paragraphs.append(("\n" if current_kind == "list" else " ").join(current))
        citations = [citation_for(ps) for ps in selection.passages]

        glossary = next(
            (ps for ps in retrieval.passages if ps.article_id == top.article_id and ps.section == GLOSSARY_SECTION),
            None,
        )
        if style.glossary and glossary is not None and f.glossary_max:
            seen_text = request.query + "\n" + "\n".join(body)
            lines = [
                render(p.glossary_line, term=term, definition=definition)
                for term, definition in parse_glossary(glossary.text)
                if term_pattern(term).search(seen_text)
            ][: f.glossary_max]
            if lines:
                paragraphs.append("\n".join([render(p.glossary_heading), *lines]))
                citations.append(citation_for(glossary))

        if top.risk_warning:
            paragraphs.append(render(p.risk_line, warning=top.risk_warning))

        offers: tuple[str, ...] = ()
        offer = p.offers.get(top.product)
        relevant = set(f.offer_intents.get(top.product, ())) & set(top.intents)
        calm = signals.distress == "none" and not signals.vulnerability and signals.sentiment != "negative"
        if offer and relevant and style.allow_offers and not top.sensitive and calm:
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
        return (
            lc.enabled
            and (selection.asks in FIGURE_ASKS or not lc.figure_questions_only)
            and lead.kind_match
            and lead.fact_relevance >= lc.min_fact_relevance
            and lead.cosine >= lc.min_cosine
            and lead.score >= lc.min_score
        )

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

    def compose_layers(self, request: GenerationRequest) -> tuple[str, tuple[Citation, ...], tuple[str, ...]]:
        """The first composer's answer: the whole layer(s) of the top article for the register."""
        p = self.prompts
        style, retrieval, signals = request.style, request.retrieval, request.signals
        passages = top_passages(retrieval)
        if not retrieval.in_scope or not passages:
            return self.out_of_scope_text(retrieval.other_organisation), (), ()
        by_section: dict[str, Passage] = {ps.section: ps for ps in passages}
        top = passages[0]
        wanted = [s for s in p.layers[style.register] if s in by_section] or [s for s in SECTIONS if s in by_section][
            :1
        ]
        if not wanted:
            return self.out_of_scope_text(), (), ()

        paragraphs: list[str] = []
        citations: list[Citation] = []
        openers = p.openers.get(style.tone) or []
        if openers:
            pick = zlib.crc32(request.query.encode("utf-8")) % len(openers)
            paragraphs.append(render(openers[pick], title=top.title))

        body: list[str] = []
        trimmed = False
        for section in wanted:
            blocks = _blocks(by_section[section].text)
            if style.length == "short" and style.register != "plain" and len(blocks) > p.short_blocks:
                blocks, trimmed = blocks[: p.short_blocks], True
            body.extend(blocks)
            citations.append(citation_for(by_section[section]))
        paragraphs.extend(body)

        glossary = by_section.get(GLOSSARY_SECTION)
        if style.glossary and glossary is not None:
            seen_text = request.query + "\n" + "\n".join(body)
            lines = [
                render(p.glossary_line, term=term, definition=definition)
                for term, definition in parse_glossary(glossary.text)
                if term_pattern(term).search(seen_text)
            ]
            if lines:
                paragraphs.append("\n".join([render(p.glossary_heading), *lines]))
                citations.append(citation_for(glossary))

        if top.risk_warning:
            paragraphs.append(render(p.risk_line, warning=top.risk_warning))

        offers: tuple[str, ...] = ()
        offer = p.offers.get(top.product)
        if (
            offer
            and style.allow_offers
            and not top.sensitive
            and signals.distress == "none"
            and "resilience" not in signals.vulnerability
        ):
            paragraphs.append(render(offer))
            offers = (offer,)

        closers = []
        deepest = max(SECTIONS.index(s) for s in wanted)
        more_available = trimmed or any(s in by_section for s in SECTIONS[deepest + 1 :])
        if style.details_on_request and more_available:
            closers.append(render(p.closers.details_on_request, title=top.title))
        if style.tone == "empathetic":
            closers.append(render(p.closers.empathetic, title=top.title))
        if closers:
            paragraphs.append(" ".join(closers))
        return "\n\n".join(paragraphs), tuple(citations), offers


class LayerComposerBackend(ComposerBackend):
    """The first composer (``composer_v1``): the top article's whole layer(s) for the register, kept so the
    evaluation can show it beside the question-focused composer.

    >>> from assistant.settings import Settings
    >>> LayerComposerBackend(Settings()).name
    'composer_v1'
    """

    name = "composer_v1"

    def compose(self, request: GenerationRequest) -> tuple[str, tuple[Citation, ...], tuple[str, ...]]:
        return self.compose_layers(request)
