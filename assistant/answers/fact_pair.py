"""A question that asks two things ("the fee and how long", "...? does it cost anything"): whether it does, its
parts, and the sentence carrying the second asked fact that follows the lead in the composer's selection
(:mod:`assistant.answers.selection`, ``focus.pair``)."""

from __future__ import annotations

import re

from assistant.answers.asked import AnswerFactWeights, asked_kinds, fact_matches, fact_words
from assistant.answers.composer_prompts import AnswerFact, FactPair
from assistant.answers.focus import ASKS_KINDS, FIGURE_ASKS, FactInfo, Ranked, detect_asks
from assistant.answers.sentence_vectors import SentenceEmbedder


def two_asks(query: str, asked: set[str]) -> bool:
    """Whether ``query`` asks two things: two kinds of figure ("how much ... and how long"), or two questions
    joined ("..., and can I ...?", "X and Y?")."""
    return len(asked & FIGURE_ASKS) >= 2 or bool(_TWO_PARTS.search(query))


_TWO_PARTS = re.compile(
    r"\b(and|plus|also|as well as)\b\s+(how|what|when|is|are|can|do|does|will|which|the|its|their|any)\b|[?].+[?]|"
    r"\b\w+ and \w+\?\s*$|[?]\s*(and |also |plus )?(how|what|when|is|are|can|do|does|will|would|any)\b",
    re.IGNORECASE,
)


_PART_SPLIT = re.compile(r"[?;]|,?\s+\b(?:and|plus|also|as well as)\b\s+|,\s+", re.IGNORECASE)


def question_parts(query: str) -> list[str]:
    """The parts of a question that asks several things ("What's the APR, and how long can I take?" -> two)."""
    return [p.strip() for p in _PART_SPLIT.split(query) if p and len(p.split()) >= 2]


def pair_sentence(
    ranked: list[Ranked],
    lead: Ranked,
    cfg: FactPair,
    query: str,
    asks_two: bool,
    facts: tuple[FactInfo, ...],
    cache: SentenceEmbedder,
    answer_fact: AnswerFact | None = None,
) -> Ranked | None:
    """The sentence carrying a second asked fact, to follow the lead (see :class:`FactPair`): each part of the
    question is matched to the descriptions of the facts the lead's article carries; the best match of a part that
    the lead does not carry picks it. With ``cfg.by_match`` (and the answer-fact settings) a part's facts are
    ranked by their whole match to the part (cosine + the rare words the part names + the kind its wording asks
    for, :func:`assistant.answers.asked.fact_matches`), so "how much can I put in a day" picks the daily limit,
    not the fee the lead already gave. None when the question asks one thing or no part needs another fact."""
    if cfg.two_asks_only and not asks_two:
        return None
    parts = question_parts(query)
    if len(parts) < 2:
        return None
    article = lead.candidate.article_id
    lead_facts = set(lead.candidate.facts)
    by_name = {f.name: f for f in facts}
    names = sorted({n for r in ranked if r.candidate.article_id == article for n in r.candidate.facts})
    if not names:
        return None
    vectors = cache.embed([*parts, query, *(by_name[n].description for n in names)])
    rel = vectors[len(parts) + 1 :] @ vectors[: len(parts) + 1].T  # facts x (parts, whole question)
    by_match = cfg.by_match and answer_fact is not None
    kind_of = {n: by_name[n].kind for n in names}
    whole: dict[str, float] = {}
    if by_match and answer_fact is not None:  # the whole question gives each part its context ("is there a fee")
        weights = AnswerFactWeights(answer_fact.lexical, answer_fact.kind)
        whole_cos = {n: float(rel[i, len(parts)]) for i, n in enumerate(names)}
        whole = fact_matches(
            query, names, whole_cos, kind_of, asked_kinds(query, answer_fact.cues), fact_words(facts), weights
        )
    best: tuple[bool, float, str] | None = None
    for j, part in enumerate(parts):
        asks = detect_asks(part)
        kinds: frozenset[str] | None = ASKS_KINDS[asks] - {"other"} if asks in FIGURE_ASKS else None
        cos = {n: float(rel[i, j]) for i, n in enumerate(names)}
        score = dict(cos)
        if by_match and answer_fact is not None:
            cued = asked_kinds(part, answer_fact.cues)
            kinds = (kinds & cued or kinds) if kinds else (frozenset(cued) or None)  # "a £7,000 cheque" -> limit
            score = fact_matches(part, names, cos, kind_of, cued, fact_words(facts), weights)
            score = {n: score[n] + cfg.context * whole[n] for n in names}
        floor = cfg.min_kind_relevance if kinds else cfg.min_relevance  # "how long ..." wants a time
        options = [(score[n], cos[n], n) for n in names if kinds is None or by_name[n].kind in kinds]
        if not options:
            continue
        top_score, value, name = max(options)
        if name in lead_facts or value < floor:
            continue  # this part is answered by the lead, or no fact answers it
        if by_match and any(s >= top_score - cfg.lead_margin for s, _, n in options if n in lead_facts):
            continue  # a fact the lead carries answers this part about as well ("is there a fee" after the fee)
        # with by_match, a part that asks for a kind of figure outranks one that names none ("paying cash in ...")
        key = (by_match and kinds is not None, value, name)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return None
    wanted = best[2]
    return next((r for r in ranked if r.candidate.article_id == article and wanted in r.candidate.facts), None)
