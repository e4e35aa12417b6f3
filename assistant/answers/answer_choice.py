"""Which fact answers the question, and the sentence carrying it: of the facts the ranked sentences of the retrieved
article(s) carry, the one whose match to the question (:func:`assistant.answers.asked.fact_matches`) is best -- the
"answer fact" whose sentence leads the composer's selection (:mod:`assistant.answers.selection`) and whose lead over
the next fact decides whether a below-bar question is answered (``focus.answer_fact``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.answers.asked import (
    AnswerFactWeights,
    asked_kinds,
    fact_matches,
    fact_words,
    money_valued,
    named_variants,
    names_money,
    place_shift,
    unasked_variants,
    window_shift,
)
from assistant.answers.composer_prompts import AnswerFact
from assistant.answers.focus import FactInfo, Ranked
from assistant.answers.sentence_vectors import SentenceEmbedder


@dataclass(frozen=True)
class AnswerChoice:
    """The fact that answers the question and the sentence carrying it: ``match`` is its match to the question
    (:func:`assistant.answers.asked.fact_matches`), ``margin`` how far it leads the next fact's match (with
    ``margin_outside_sentence``: the next fact that its sentence does not carry; 1.0 when there is none);
    ``cosine`` the cosine of the question to its description."""

    sentence: Ranked
    fact: str
    match: float
    margin: float
    cosine: float


def answer_choice(
    query: str,
    ranked: list[Ranked],
    facts: tuple[FactInfo, ...],
    cache: SentenceEmbedder,
    cfg: AnswerFact,
    penalties: Mapping[str, float],
    referenced: Mapping[str, frozenset[str]] | None = None,
) -> AnswerChoice | None:
    """The best-ranked sentence carrying the fact that answers ``query`` (see :mod:`assistant.answers.asked`):
    of the facts whose description is close enough to the question (``cfg.min_cosine`` when the wording asks for a
    kind of figure, else ``min_cosine_uncued``), the one whose match to the question plus ``cfg.sentence`` x its
    sentence's own score is highest. None when disabled, when no sentence carries a fact, when the best-matching
    fact is written across sentences (a representative example), or when no fact is close enough."""
    if not cfg.enabled:
        return None
    home: dict[str, Ranked] = {}
    for r in ranked:  # best first: each fact's best sentence
        for name in r.candidate.facts:
            home.setdefault(name, r)
    if not home:
        return None
    by_name = {f.name: f for f in facts}
    articles = {r.candidate.article_id for r in home.values()}
    spread = {n for a in articles for n in (referenced or {}).get(a, frozenset()) if n in by_name}
    names = sorted(set(home) | spread)
    vectors = cache.embed([query, *(by_name[n].description for n in names)])
    cosines = dict(zip(names, (vectors[1:] @ vectors[0]).tolist(), strict=True))
    asked = asked_kinds(query, cfg.cues)
    kinds = {n: by_name[n].kind for n in names}
    money = _money_facts(query, names, by_name, cfg)
    variants = unasked_variants(query, names, kinds) if cfg.variant else frozenset()
    descriptions = {n: by_name[n].description for n in names}
    window = (
        window_shift(query, names, descriptions, cfg.window_cues, cfg.outcome_cues, cfg.window_facts)
        if cfg.window
        else {}
    )
    general = named_variants(query, names, kinds) if cfg.named_variant else frozenset()
    weights = AnswerFactWeights(cfg.lexical, cfg.kind, cfg.money, cfg.variant, cfg.window, cfg.named_variant, cfg.place)
    words = fact_words(facts)
    match = fact_matches(query, names, cosines, kinds, asked, words, weights, money, variants, window, general)
    # the runner-up penalty of the article whose sentence carries each fact (none for a fact no sentence carries)
    penalty = {n: cfg.runner_up_penalty * penalties.get(r.candidate.article_id, 0.0) for n, r in home.items()}
    if cfg.place:
        place = place_shift(
            query, names, descriptions, cfg.abroad_cues, cfg.home_cues, cfg.abroad_facts, cfg.home_facts
        )
        if place:  # where the customer is picks among the best-matching fact's siblings (its article), not an article
            lead = max(names, key=lambda n: match[n] - penalty.get(n, 0.0))
            siblings = _article_of(lead, home, referenced)
            place = {n: v for n, v in place.items() if _article_of(n, home, referenced) & siblings}
            match = fact_matches(
                query, names, cosines, kinds, asked, words, weights, money, variants, window, general, place
            )
    for n, p in penalty.items():
        match[n] -= p
    floor = cfg.min_cosine if asked else cfg.min_cosine_uncued
    order = sorted(names, key=lambda n: (match[n], cosines[n]), reverse=True)
    top = order[0]
    # A fact that clearly wins on the words and kinds the question names answers even when its description's
    # cosine is under the floor ("FOS referral window ...?": the encoder knows "FOS" only from the words).
    clear = len(order) == 1 or match[top] - match[order[1]] >= cfg.clear_margin
    options = [n for n in home if cosines[n] >= floor or (n == top and clear and match[n] >= cfg.clear_match)]
    if not options or top not in home:
        return None  # no fact close enough, or the best is written across sentences (a representative example)
    best = max(options, key=lambda n: (match[n] + cfg.sentence * home[n].score, cosines[n]))
    carried = set(home[best].candidate.facts) if cfg.margin_outside_sentence else {best}
    others = [match[n] for n in names if n not in carried]  # a fact the same sentence gives is no rival
    margin = match[best] - max(others) if others else 1.0
    return AnswerChoice(home[best], best, match[best], margin, cosines[best])


def _money_facts(query: str, names: Sequence[str], by_name: Mapping[str, FactInfo], cfg: AnswerFact) -> frozenset[str]:
    """The money-valued facts among ``names`` when ``query`` names a sum of money (else none)."""
    if not cfg.money or not names_money(query, cfg.money_cues):
        return frozenset()
    return frozenset(n for n in names if money_valued(by_name[n]))


def _article_of(
    name: str, home: Mapping[str, Ranked], referenced: Mapping[str, frozenset[str]] | None
) -> frozenset[str]:
    """The article(s) a fact belongs to: the one whose sentence carries it, else those referring to it."""
    if name in home:
        return frozenset({home[name].candidate.article_id})
    return frozenset(a for a, refs in (referenced or {}).items() if name in refs)
