"""Fact recall: when retrieval is below the confidence bar, the article of the facts file's clear best match for
the question across the whole knowledge base, so the composer can answer a terse question ("DSAR statutory
response time?") whose words the retriever does not tie to the right article.

The match is the answer-fact match (:func:`assistant.answers.asked.fact_matches`: cosine to the fact's description,
rare shared words, the asked kind, ...) over every fact an article refers to. Recall happens only for a question
that asks for a kind of figure, when the best fact's match, its margin over the next fact and its cosine each clear
``focus.recall``'s bars; the composer's own below-bar rule (``focus.low_confidence``) and the answer checks still
decide whether anything is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from assistant.answers.asked import AnswerFactWeights, FactInfo, asked_kinds, fact_matches, fact_words
from assistant.answers.composer_prompts import AnswerFact, FactRecall
from assistant.answers.sentence_vectors import SentenceEmbedder
from assistant.types import Passage, Retrieval


@dataclass(frozen=True)
class Recalled:
    """The fact recalled for a question: its name, the article answering from it, its match to the question, how
    far that leads the next fact's match, and the cosine of the question to its description."""

    fact: str
    article_id: str
    match: float
    margin: float
    cosine: float


def recall_fact(
    query: str,
    facts: Sequence[FactInfo],
    referenced: Mapping[str, frozenset[str]],
    cache: SentenceEmbedder,
    match_cfg: AnswerFact,
    cfg: FactRecall,
    prefer: Sequence[str] = (),
) -> Recalled | None:
    """The fact of the whole knowledge base that clearly answers ``query``, with the article to answer from (the
    earliest of ``prefer`` -- the retrieved articles -- that refers to it, else the first by id); None when
    recall is off, the question asks for no kind of figure, or the best fact misses a bar of ``cfg``."""
    if not cfg.enabled:
        return None
    asked = asked_kinds(query, match_cfg.cues)
    if not asked:
        return None
    homes: dict[str, list[str]] = {}
    for article_id in sorted(referenced):
        for name in referenced[article_id]:
            homes.setdefault(name, []).append(article_id)
    pool = [f for f in facts if f.name in homes]
    if len(pool) < 2:
        return None
    names = [f.name for f in pool]
    vectors = cache.embed([query, *(f.description for f in pool)])
    cosines = dict(zip(names, (vectors[1:] @ vectors[0]).tolist(), strict=True))
    kinds = {f.name: f.kind for f in pool}
    weights = AnswerFactWeights(match_cfg.lexical, match_cfg.kind, 0.0, 0.0, 0.0)
    match = fact_matches(query, names, cosines, kinds, asked, fact_words(tuple(facts)), weights)
    order = sorted(names, key=lambda n: (match[n], cosines[n]), reverse=True)
    top, second = order[0], order[1]
    margin = match[top] - match[second]
    if match[top] < cfg.min_match or margin < cfg.min_margin or cosines[top] < cfg.min_cosine:
        return None
    if kinds[top] not in asked:
        return None
    articles = homes[top]
    article = next((a for a in prefer if a in articles), articles[0])
    return Recalled(top, article, match[top], margin, cosines[top])


def with_recalled(retrieval: Retrieval, article_id: str, passages: Sequence[Passage]) -> Retrieval:
    """``retrieval`` with ``article_id``'s ``passages`` (at the top article's score) moved or added to the front;
    confidence and ``in_scope`` unchanged (still below the bar). Unchanged when that article already leads."""
    if retrieval.article_ids[:1] == (article_id,) or not passages:
        return retrieval
    front = tuple(passages)
    rest = tuple(p for p in retrieval.passages if p.article_id != article_id)
    ids = (article_id, *(a for a in retrieval.article_ids if a != article_id))
    return replace(retrieval, passages=front + rest, article_ids=ids)
