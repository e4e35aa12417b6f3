"""``prompts/composer.yaml`` as strict pydantic models: the layers of the first composer (``composer_v1``), the
question-focused composer's ``focus`` settings, and every sentence either composer adds around the knowledge base's
own text (openers, closers, glossary and risk lines, offers, out-of-scope replies).

>>> from assistant.settings import Settings
>>> prompts = load_composer_prompts(Settings().prompts_dir)
>>> prompts.layers["technical"]
['Details', 'For the technically minded']
>>> prompts.focus.budget["plain"].sentences
2
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.answers.kbview import SECTIONS
from assistant.errors import PromptError
from assistant.kb.loader import FactKind
from assistant.prompts import PromptFile, load_prompt_file, template_fields
from assistant.types import Register, Tone

COMPOSER_FILE = "composer.yaml"


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
    strong_score: float = Field(default=10.0, ge=0)  # or, whatever the fact match, a lead sentence scoring this
    figure_questions_only: bool = True
    # or a fact of the asked kind whose description matches the question at least this well (the facts file
    # names what is asked even when the retriever is unsure); its sentence then leads
    fact_match: float = Field(default=1.0, ge=0, le=1)
    # or the fact that answers the question (asked.py) leads with a match of at least answer_match, ahead of the
    # next fact's by answer_margin, and its description at least answer_cosine close to the question
    answer_match: float = Field(default=10.0, ge=0)
    answer_margin: float = Field(default=0.0, ge=0)
    answer_cosine: float = Field(default=0.0, ge=0, le=1)


class FactRecall(BaseModel):
    """Below the retrieval bar, the article of the facts file's clear best match across the whole knowledge base
    is put first (:mod:`assistant.answers.fact_recall`): only for a question asking a kind of figure, when the best
    fact is of that kind, its match is at least ``min_match``, ahead of the next fact's by ``min_margin`` and its
    description at least ``min_cosine`` close to the question."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    min_match: float = Field(default=10.0, ge=0)
    min_margin: float = Field(default=1.0, ge=0)
    min_cosine: float = Field(default=1.0, ge=0, le=1)


class FactPair(BaseModel):
    """A question that asks two things ("the fee and how long") gets both figures first. Each part of the question
    is matched to the descriptions of the facts the lead's article carries (a part asking "how long"/"how much" to
    facts of those kinds only); the best-matching fact of a part that the lead sentence does not carry, at least
    ``min_relevance`` (``min_kind_relevance`` when the part's kind narrowed the facts), brings its sentence right
    after the lead (``two_asks_only``: only for a question that asks two things, see ``fact_pair.two_asks``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    min_relevance: float = Field(ge=0, le=1)
    min_kind_relevance: float = Field(ge=0, le=1)
    two_asks_only: bool = True
    by_match: bool = False  # rank each part's facts by their whole match (answer_fact's weights and cues)
    lead_margin: float = Field(default=0.0, ge=0)  # by_match: a part the lead's fact matches this nearly is answered
    context: float = Field(default=0.0, ge=0)  # by_match: weight of each fact's match to the whole question


class AnswerFact(BaseModel):
    """The fact that answers the question leads (:mod:`assistant.answers.asked`): each fact carried by the
    retrieved sentences is matched to the question (cosine to its description + ``lexical`` x the rare words they
    share + ``kind`` when its kind is one the question's wording asks for, by ``cues``: regular expressions per fact
    kind); the best match's sentence leads when the fact's description is at least ``min_cosine`` close to the
    question and either the wording asks for a kind (``cues``) or that cosine reaches ``min_cosine_uncued``; among
    those, the fact whose match plus ``sentence`` x its sentence's ranking score is highest leads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    lexical: float = Field(ge=0)
    kind: float = Field(ge=0)
    runner_up_penalty: float = Field(default=1.0, ge=0)  # share of a runner-up article's penalty its facts lose
    min_cosine: float = Field(ge=0, le=1)
    min_cosine_uncued: float = Field(ge=0, le=1)
    sentence: float = Field(default=0.0, ge=0)  # weight of the carrying sentence's own ranking score
    # the best fact also answers under the cosine floor when its match is at least clear_match and leads the next
    # fact's by clear_margin (the question names it in words the encoder does not know: "FOS", "LPA")
    clear_match: float = Field(default=10.0, ge=0)
    clear_margin: float = Field(default=10.0, ge=0)
    # a fact whose value is a sum of money gains ``money`` when the question names a sum (``money_cues``: "£600",
    # "16 grand"): the customer's own sum is compared with a limit or a fee, not with a count or a time
    money: float = Field(default=0.0, ge=0)
    money_cues: list[str] = Field(default_factory=list)
    # a variant of a more general fact of the same kind (support_bereavement_hours of support_hours) loses
    # ``variant`` when the question names none of its extra words (asked.unasked_variants)
    variant: float = Field(default=0.0, ge=0)
    # a *window* fact (the customer's time to act: its description matches ``window_facts``) gains ``window`` when
    # the question asks how long the customer has (``window_cues``: "is it too late to claim?") and loses it when the
    # question asks when something reaches them (``outcome_cues``: "when do I get my money back?"; asked.window_shift)
    window: float = Field(default=0.0, ge=0)
    window_cues: list[str] = Field(default_factory=list)
    outcome_cues: list[str] = Field(default_factory=list)
    window_facts: list[str] = Field(default_factory=list)
    # the answer fact's margin (low_confidence.answer_margin) is measured against the best fact that its sentence
    # does not carry: two facts of one sentence ("120 days ..., with an overall cap of 540 days") are no close call
    margin_outside_sentence: bool = False
    # a general fact loses ``named_variant`` when the question names an extra word of one of its variants ("is the
    # chat open at 3am?": the chat's hours, not the phone line's; asked.named_variants)
    named_variant: float = Field(default=0.0, ge=0)
    # facts placed abroad (``abroad_facts``, on the description) gain ``place`` and facts placed in the UK
    # (``home_facts``) lose it when the question places the customer, their card or bank outside the UK
    # (``abroad_cues``), and the reverse when it names only a UK bank or place (``home_cues``; asked.place_shift)
    place: float = Field(default=0.0, ge=0)
    abroad_cues: list[str] = Field(default_factory=list)
    home_cues: list[str] = Field(default_factory=list)
    abroad_facts: list[str] = Field(default_factory=list)
    home_facts: list[str] = Field(default_factory=list)
    cues: dict[FactKind, list[str]]

    @model_validator(mode="after")
    def _compiles(self) -> AnswerFact:
        named = [
            ("money_cues", self.money_cues),
            ("window_cues", self.window_cues),
            ("outcome_cues", self.outcome_cues),
            ("window_facts", self.window_facts),
            ("abroad_cues", self.abroad_cues),
            ("home_cues", self.home_cues),
            ("abroad_facts", self.abroad_facts),
            ("home_facts", self.home_facts),
        ]
        for kind, patterns in [*self.cues.items(), *named]:
            for pattern in patterns:
                try:
                    re.compile(pattern, re.IGNORECASE)
                except re.error as exc:
                    raise ValueError(f"answer_fact.cues.{kind}: invalid pattern {pattern!r}: {exc}") from exc
        return self


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
    all_asks: bool = True
    fact_lead_min: float = Field(default=1.0, ge=0)
    fact_lead_gain: float = Field(default=0.0, ge=0)
    fact_lead_margin: float = Field(default=0.0, ge=0)
    runner_up_share: float = Field(gt=0, le=1)
    runner_up_penalty: float = Field(ge=0)
    runner_up_scale: float = Field(ge=0)
    glossary_max: int = Field(ge=0)
    rest_fact_min: float
    mechanism_section: dict[Register, str] = Field(default_factory=dict)
    mechanism_extra_words: int = Field(default=0, ge=0)
    repeat_cosine: float = Field(gt=0, le=1)
    # per register: a further sentence (not the lead nor the second figure) whose own reading grade is above the
    # style's target grade plus this is left out, unless it carries a fact the question asks about
    rest_grade: dict[Register, float] = Field(default_factory=dict)
    # per register: a lead whose own reading grade is above the style's target plus this, that is not the answer
    # fact's sentence nor an app path, gives way to the best-ranked sentence of its article that is not above it,
    # when that one scores within lead_grade_margin of it
    lead_grade: dict[Register, float] = Field(default_factory=dict)
    lead_grade_margin: float = Field(default=0.0, ge=0)
    # a question asking how to or what to do, with no cue for a kind of figure, is answered with the steps: the
    # facts file does not pick its lead (no answer-fact or fact-lead route)
    steps_first: bool = False
    low_confidence: LowConfidence
    pair: FactPair = Field(default_factory=lambda: FactPair(enabled=False, min_relevance=1.0, min_kind_relevance=1.0))
    answer_fact: AnswerFact | None = None
    recall: FactRecall = Field(default_factory=FactRecall)
    anaphora: str | None = None  # a lead sentence opening with this (regex) is preceded by the one it refers to
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
        if self.anaphora is not None:
            try:
                re.compile(self.anaphora)
            except re.error as exc:
                raise ValueError(f"focus.anaphora: invalid pattern: {exc}") from exc
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
