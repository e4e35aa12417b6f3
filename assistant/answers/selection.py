"""Which sentences answer the question: the lead (the figure, the yes/no, the time) and the rest, within the
register's budget, from the retrieved article(s) -- the selection both the composer and the language-model prompt
use. Ranking itself is :func:`assistant.answers.focus.rank_candidates`; the fact that answers the question is
chosen in :mod:`assistant.answers.answer_choice`, the second asked fact of a two-part question in
:mod:`assistant.answers.fact_pair`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.answers.answer_choice import AnswerChoice, answer_choice
from assistant.answers.asked import asked_kinds
from assistant.answers.base import top_passages
from assistant.answers.composer_prompts import ComposerPrompts
from assistant.answers.fact_pair import pair_sentence, two_asks
from assistant.answers.focus import (
    FIGURE_ASKS,
    Candidate,
    FactInfo,
    FocusWeights,
    Ranked,
    article_candidates,
    asks_all,
    detect_asks,
    rank_candidates,
    similar,
)
from assistant.answers.sentence_vectors import SentenceEmbedder
from assistant.integrations.readability import fk_grade
from assistant.types import Passage, Register, Retrieval, Style


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
    pair: Ranked | None = None  # a second asked figure, shown right after the lead ("the fee ... It takes ...")
    best_fact: Ranked | None = None  # the sentence carrying the fact that best matches the question (asked kind)
    answer: AnswerChoice | None = None  # the fact that answers the question (asked.py), when one was chosen


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


def _antecedent(ranked: list[Ranked], lead: Ranked, pattern: str) -> Ranked | None:
    """The sentence a prose lead refers back to ("Above that, ...", "This ..."): the one just before it in the same
    paragraph, when the lead opens with ``pattern``; else None."""
    c = lead.candidate
    if c.list_item or not re.match(pattern, c.clean, re.IGNORECASE):
        return None
    return next(
        (
            r
            for r in ranked
            if r.candidate.article_id == c.article_id
            and r.candidate.block == c.block
            and r.candidate.order == c.order - 1
            and not r.candidate.list_item
        ),
        None,
    )


def focus_selection(
    prompts: ComposerPrompts,
    facts: tuple[FactInfo, ...],
    cache: SentenceEmbedder,
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
    # "How do I report fraud on my card?" asks for the steps: no figure is ranked up for it, nor leads
    steps = (
        f.steps_first and primary == "how_to" and not asked_kinds(query, f.answer_fact.cues if f.answer_fact else {})
    )
    w = f.weights
    fact_w, kind_w = (0.0, 0.0) if steps else (w.fact, w.kind)
    weights = FocusWeights(w.cosine, fact_w, kind_w, w.overlap, f.section_prior.get(style.register, {}))
    ranked = rank_candidates(query, candidates, facts, cache, weights, asked, penalties)
    lead = ranked[0]
    if asked & FIGURE_ASKS and not lead.kind_match:
        for r in ranked[1:]:
            if r.score < lead.score - f.kind_lead_margin:
                break
            if r.kind_match:
                lead = r
                break
    if not steps:
        lead = _fact_lead(ranked, lead, f.fact_lead_min, f.fact_lead_gain, f.fact_lead_margin)
    top_fact = max(ranked, key=lambda r: (r.fact_relevance, r.score))
    best_fact = top_fact if top_fact.fact_relevance > 0 else None
    choice = (
        answer_choice(query, ranked, facts, cache, f.answer_fact, penalties, referenced)
        if f.answer_fact and not steps
        else None
    )
    answer = choice.sentence if choice is not None else None
    runner_up: Ranked | None = None  # the ranking's own lead, kept second when the answer fact leads instead
    if answer is not None and answer is not lead:
        runner_up = lead if lead.candidate.facts and lead.candidate.article_id == answer.candidate.article_id else None
        lead = answer  # the sentence carrying the fact that answers the question
    if best_fact is not None and not retrieval.in_scope and best_fact.fact_relevance >= f.low_confidence.fact_match:
        lead = best_fact  # below the bar only a clearly named fact answers: its sentence leads
    elif (choice is None or choice.sentence is not lead) and lead_over_grade(lead, style, f.lead_grade):
        lead = _easier_lead(ranked, lead, style, f.lead_grade, f.lead_grade_margin)
    article = lead.candidate.article_id
    pair = (
        pair_sentence(ranked, lead, f.pair, query, two_asks(query, asked), facts, cache, f.answer_fact)
        if f.pair.enabled
        else None
    )
    if pair is None and runner_up is not None and lead is answer and runner_up is not lead:
        pair = runner_up
    antecedent = _antecedent(ranked, lead, f.anaphora) if f.anaphora else None
    if antecedent is not None:  # "Above that, we charge 0.5%." cannot open an answer: what it refers to comes first
        lead, pair = antecedent, lead
    budget = f.budget[style.register]
    chosen: list[Ranked] = []
    words = _words(lead.candidate.clean) + (_words(pair.candidate.clean) if pair else 0)
    firsts = [lead, *([pair] if pair else [])]
    for r in ranked:
        if len(chosen) + len(firsts) >= budget.sentences:
            break
        c = r.candidate
        continues = any(  # "We post it in 1 day. It then takes..." (after the lead or the second figure)
            c.block == x.candidate.block and c.order == x.candidate.order + 1 and c.kinds & x.candidate.kinds
            for x in firsts
        )
        if (
            r is lead
            or r is pair
            or c.article_id != article
            or (r.score < lead.score - budget.margin and not continues)
        ):
            continue
        if words + _words(c.clean) > budget.words:
            continue
        if introduces_list(c):
            continue
        if c.facts and not set(c.facts) & set(lead.candidate.facts) and r.fact_relevance < f.rest_fact_min:
            continue  # a neighbouring figure the question did not ask about
        if any(similar(cache, c, x.candidate) >= f.repeat_cosine for x in [*firsts, *chosen]):
            continue
        if too_hard(r, style, f.rest_grade, f.rest_fact_min):
            continue  # a hard further sentence the question does not need (plain: the shortest complete answer)
        chosen.append(r)
        words += _words(c.clean)
    wants = f.mechanism_section.get(style.register)
    if wants and all(x.candidate.section != wants for x in [*firsts, *chosen]):
        best = next(
            (r for r in ranked if r.candidate.article_id == article and r.candidate.section == wants and r is not pair),
            None,
        )
        if best is not None and words + _words(best.candidate.clean) <= budget.words + f.mechanism_extra_words:
            chosen.append(best)  # the precise mechanism, in the register that asks for it
            words += _words(best.candidate.clean)
    chosen.sort(key=lambda r: r.candidate.order)
    used = {x.candidate.order for x in [*firsts, *chosen]}
    more = any(c.article_id == article and c.order not in used for c in candidates)
    keys = [(x.candidate.article_id, x.candidate.section) for x in firsts]
    keys += [(r.candidate.article_id, r.candidate.section) for r in chosen]
    by_key = {(p.article_id, p.section): p for p in passages}
    cited = tuple(by_key[k] for k in dict.fromkeys(keys))
    return FocusSelection(
        primary,
        lead,
        tuple(chosen),
        more,
        cited,
        not_held_sentences(prompts, query),
        pair,
        best_fact,
        choice if choice is not None and choice.sentence is lead else None,
    )


def _easier_lead(
    ranked: list[Ranked], lead: Ranked, style: Style, grade: Mapping[Register, float], margin: float
) -> Ranked:
    """The best-ranked sentence of the lead's article within the register's grade (:func:`lead_over_grade`) that
    scores within ``margin`` of the lead; the lead itself when there is none."""
    for r in ranked:
        if r.score < lead.score - margin:
            break
        c = r.candidate
        if c.article_id == lead.candidate.article_id and not introduces_list(c):
            if not lead_over_grade(r, style, grade):
                return r
    return lead


def introduces_list(c: Candidate) -> bool:
    """A line that introduces a list ("There are two kinds ...:"): it says nothing on its own."""
    return c.clean.rstrip().endswith(":")


_APP_PATH = re.compile(r"\S\s*>\s*\S")  # "Go to Profile > Verification > Identity": read as steps, whatever its grade


def lead_over_grade(r: Ranked, style: Style, allowance: Mapping[Register, float]) -> bool:
    """:func:`over_grade` for a lead, except a sentence giving an app path (its menu names read as long words)."""
    return not _APP_PATH.search(r.candidate.clean) and over_grade(r, style, allowance)


def over_grade(r: Ranked, style: Style, allowance: Mapping[Register, float]) -> bool:
    """Whether a sentence's own reading grade is above the style's target plus ``allowance[register]`` (False for
    a register with no allowance)."""
    over = allowance.get(style.register)
    return over is not None and fk_grade(r.candidate.clean) > style.target_grade + over


def too_hard(r: Ranked, style: Style, rest_grade: Mapping[Register, float], fact_min: float) -> bool:
    """Whether a further sentence is too hard for the register: its own reading grade is above the style's target
    plus ``rest_grade[register]`` and it carries no fact the question asks about (fact relevance under
    ``fact_min``)."""
    if r.candidate.facts and r.fact_relevance >= fact_min:
        return False
    return over_grade(r, style, rest_grade)


def not_held_sentences(prompts: ComposerPrompts, query: str) -> tuple[str, ...]:
    """What the knowledge base cannot hold that ``query`` asks for (the customer's own payment, balance or case),
    each as the fixed sentence saying where to find it (``focus.not_held``)."""
    return tuple(
        rule.sentence
        for rule in prompts.focus.not_held
        if any(re.search(pattern, query, re.IGNORECASE) for pattern in rule.patterns)
    )


def as_prose(candidate: Candidate) -> str:
    """A list item's text without its list marker (for the lead sentence)."""
    return re.sub(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+", "", candidate.text)
