"""Which sentences answer the question: the lead (the figure, the yes/no, the time) and the rest, within the
register's budget, from the retrieved article(s) -- the selection both the composer and the language-model prompt
use. Ranking itself is :func:`assistant.answers.focus.rank_candidates`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.answers.base import top_passages
from assistant.answers.composer_prompts import ComposerPrompts
from assistant.answers.focus import (
    FIGURE_ASKS,
    Candidate,
    EmbeddingCache,
    FactInfo,
    FocusWeights,
    Ranked,
    article_candidates,
    asks_all,
    detect_asks,
    rank_candidates,
    similar,
)
from assistant.types import Passage, Retrieval, Style


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


def _fact_lead(ranked: list[Ranked], lead: Ranked, floor: float, gain: float, margin: float) -> Ranked:
    """The facts file picks the lead: the sentence carrying the fact whose description best matches the question
    (of a kind the question asks for) leads when that match is at least ``floor``, beats the current lead's by
    ``gain`` and its score is within ``margin`` of the lead's."""
    best = max(ranked, key=lambda r: (r.fact_relevance, r.score))
    if (
        best is lead
        or best.fact_relevance < floor
        or best.fact_relevance < lead.fact_relevance + gain
        or best.score < lead.score - margin
    ):
        return lead
    return best


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
    primary = detect_asks(query)
    asked = set(asks_all(query)) if f.all_asks else set()
    asked.add(primary)  # "how do I get a spare card and what does it cost?" asks how_to and how_much
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
    lead = _fact_lead(ranked, lead, f.fact_lead_min, f.fact_lead_gain, f.fact_lead_margin)
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
    return FocusSelection(primary, lead, tuple(chosen), more, cited, not_held)


def as_prose(candidate: Candidate) -> str:
    """A list item's text without its list marker (for the lead sentence)."""
    return re.sub(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+", "", candidate.text)
