"""Stage: find the knowledge-base articles that answer the message, with a calibrated confidence."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answers.composer_prompts import load_composer_prompts
from assistant.answers.fact_recall import recall_fact, with_recalled
from assistant.answers.focus import article_facts, kb_facts
from assistant.answers.sentence_vectors import VECTORS_FILE, EmbeddingCache, KnownVectors
from assistant.errors import IndexNotBuiltError
from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.integrations.vectorstore import IndexSnapshot, VectorIndex, make_vector_index
from assistant.kb.intents import ALL_INTENTS, OUT_OF_SCOPE
from assistant.kb.loader import KnowledgeBase, load_kb
from assistant.kb.routing import (
    HEAD_FILE,
    ArticleSignals,
    ArticleTable,
    RoutingHead,
    article_signals,
    confidence_features,
    fuse,
    softmax,
)
from assistant.kb.scope import SCOPE_FILE, OrganisationScreen
from assistant.settings import Settings
from assistant.types import Encoded, Passage, Retrieval

logger = logging.getLogger(__name__)

VERSION_CHECK_S = 2.0  # how often a retriever asks the store whether ingest changed the index


@dataclass(frozen=True)
class DenseArticleScores:
    """The index held in memory for one version: every document's unit vector, grouped per article and kind.

    ``scores(vector)`` is one matrix-vector product and two segment maxima: the best cosine to an article's
    example questions and to its title/sections (-1 where an article has none), exactly what a full nearest-
    neighbour search over the store gives. Built from :meth:`VectorIndex.snapshot`; rows whose article is not in
    the knowledge base are left out.

    >>> import numpy as np
    >>> from assistant.integrations.vectorstore import IndexSnapshot
    >>> snap = IndexSnapshot(("a::q0", "a::short", "b::q0"), np.eye(3, dtype=np.float32),
    ...     ({"article_id": "a", "kind": "question"}, {"article_id": "a"}, {"article_id": "b", "kind": "question"}),
    ...     "v1")
    >>> dense = DenseArticleScores.build(snap, ("a", "b"))
    >>> q, s = dense.scores(np.array([0.0, 1.0, 0.0], np.float32))
    >>> q.tolist(), s.tolist()
    ([0.0, 0.0], [1.0, -1.0])
    """

    version: str
    rows: int
    matrix: np.ndarray  # (rows, dim): question rows first, then section rows, each sorted by article
    n_articles: int
    q_count: int
    q_articles: np.ndarray  # article positions that have question rows
    q_starts: np.ndarray  # first row of each of them
    s_articles: np.ndarray
    s_starts: np.ndarray  # relative to q_count

    @classmethod
    def build(cls, snapshot: IndexSnapshot, article_ids: Sequence[str]) -> DenseArticleScores:
        position = {aid: i for i, aid in enumerate(article_ids)}
        keyed: list[tuple[int, int, int]] = []  # (kind, article, row)
        for row, meta in enumerate(snapshot.metadatas):
            a = position.get(str(meta.get("article_id", "")))
            if a is not None:
                keyed.append((0 if meta.get("kind") == "question" else 1, a, row))
        keyed.sort()
        dim = snapshot.vectors.shape[1] if snapshot.vectors.ndim == 2 else 0
        rows = np.array([r for _, _, r in keyed], dtype=np.int64)
        matrix = np.ascontiguousarray(snapshot.vectors[rows]) if len(rows) else np.zeros((0, dim), np.float32)
        kinds = np.array([k for k, _, _ in keyed], dtype=np.int64)
        arts = np.array([a for _, a, _ in keyed], dtype=np.int64)
        q_count = int((kinds == 0).sum())

        def segments(articles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            if not len(articles):
                return np.zeros(0, np.int64), np.zeros(0, np.int64)
            starts = np.flatnonzero(np.r_[True, articles[1:] != articles[:-1]])
            return articles[starts], starts

        q_articles, q_starts = segments(arts[:q_count])
        s_articles, s_starts = segments(arts[q_count:])
        return cls(snapshot.version, len(snapshot.ids), matrix, len(article_ids), q_count, q_articles, q_starts,
                   s_articles, s_starts)  # fmt: skip

    def scores(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(best question cosine, best title/section cosine) per article, -1 where the article has none."""
        sims = self.matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)
        dense_q = np.full(self.n_articles, -1.0, dtype=np.float32)
        dense_s = np.full(self.n_articles, -1.0, dtype=np.float32)
        if len(self.q_starts):
            dense_q[self.q_articles] = np.maximum(np.maximum.reduceat(sims[: self.q_count], self.q_starts), -1.0)
        if len(self.s_starts):
            dense_s[self.s_articles] = np.maximum(np.maximum.reduceat(sims[self.q_count :], self.s_starts), -1.0)
        return dense_q, dense_s


@dataclass(frozen=True)
class RankedArticles:
    """Every article ranked for one query, with the signals behind the ranking."""

    ids: tuple[str, ...]  # best first
    scores: tuple[float, ...]  # share of the fused score distribution, same order
    confidence: float
    intent: str | None
    signals: ArticleSignals


class KnowledgeRetriever:
    """Routes an encoded message to articles: intent head + dense (index) + BM25, fused and calibrated.

    The dense signal is scored in memory (:class:`DenseArticleScores`, one matrix product over every index
    document); the store (Chroma) stays the record and the in-memory copy is reloaded when its ``version()``
    changes (checked every :data:`VERSION_CHECK_S` seconds), e.g. after ``attune ingest``.

    ``run()`` returns the top articles' sections as passages; ``in_scope`` says whether the top article is a
    confident match (``confidence >= settings.min_retrieval_confidence``) and the message is not about another
    organisation's own products (``prompts/scope.yaml``; then ``other_organisation`` names it).

    >>> from pathlib import Path
    >>> from assistant.integrations.encoder import shared_encoder
    >>> from assistant.integrations.vectorstore import InMemoryVectorIndex
    >>> from assistant.kb.ingest import ingest_kb
    >>> s = Settings(kb_dir=Path("tests/fixtures/kb"))
    >>> index = InMemoryVectorIndex()
    >>> _ = ingest_kb(s, index=index, progress=False)
    >>> retriever = KnowledgeRetriever(s, index=index)
    >>> retriever.warm_up()
    >>> text = "my card still hasn't come"
    >>> r = retriever.run(encoded=Encoded(text, shared_encoder().encode([text])[0]))
    >>> r.article_ids[0], r.passages[0].section
    ('card-arrival', 'In short')
    """

    def __init__(
        self,
        settings: Settings,
        encoder: TextEncoder | None = None,
        index: VectorIndex | None = None,
        kb: KnowledgeBase | None = None,
    ) -> None:
        self._settings = settings
        self._encoder = encoder
        self._index = index
        self._given_kb = kb  # default: loaded from settings.kb_dir at warm-up
        self._kb: KnowledgeBase | None = None
        self._head: RoutingHead | None = None
        self._table: ArticleTable | None = None
        self._screen: OrganisationScreen | None = None
        self._passages: dict[str, tuple[tuple[str, str], ...]] = {}
        self._dense: DenseArticleScores | None = None
        self._fact_cache: EmbeddingCache | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._dense_lock = threading.Lock()

    @property
    def kb(self) -> KnowledgeBase:
        self.warm_up()
        assert self._kb is not None
        return self._kb

    @property
    def head(self) -> RoutingHead:
        self.warm_up()
        assert self._head is not None
        return self._head

    def warm_up(self) -> None:
        """Load the knowledge base, the routing head and the index handle (once), and what fact recall needs."""
        with self._lock:
            if self._kb is not None:
                return
            kb = self._given_kb or load_kb(self._settings.kb_dir)
            path = self._settings.artifacts_dir / HEAD_FILE
            if path.is_file():
                head = RoutingHead.load(path)
            else:
                logger.warning("no routing head at %s: ranking by dense + BM25 only (run `attune train routing`)", path)
                dim = self._encoder.dimension if self._encoder is not None else 384
                head = RoutingHead.untrained((*ALL_INTENTS, OUT_OF_SCOPE), dim)
            if self._index is None:
                self._index = make_vector_index(self._settings, self._encoder)
            self._screen = OrganisationScreen.from_file(self._settings.prompts_dir / SCOPE_FILE)
            self._table = ArticleTable.build(kb, head.classes)
            self._passages = {a.id: tuple(kb.rendered_sections(a)) for a in kb.articles}
            self._head = head
            self._kb = kb
        try:
            if self.dense_scores().rows == 0:
                logger.warning("the knowledge-base index is empty: run `attune ingest`")
        except Exception as exc:  # reported again, as an error, on the first run()
            logger.warning("cannot reach the knowledge-base index: %s", exc)
        if load_composer_prompts(self._settings.prompts_dir).focus.recall.enabled:
            # what a first question below the bar needs: the facts and their description vectors
            kb_facts(self._settings.kb_dir)
            article_facts(self._settings.kb_dir)
            self.fact_cache.refresh(force=True)

    def dense_scores(self, *, force: bool = False) -> DenseArticleScores:
        """The in-memory dense index, reloaded from the store when its version changed (checked at most every
        :data:`VERSION_CHECK_S` seconds; ``force`` checks now)."""
        dense = self._dense
        now = time.monotonic()
        if dense is not None and not force and now - self._checked_at < VERSION_CHECK_S:
            return dense
        with self._dense_lock:
            dense = self._dense
            if dense is not None and not force and now - self._checked_at < VERSION_CHECK_S:
                return dense
            assert self._index is not None and self._table is not None
            version = self._index.version()
            if dense is None or dense.version != version:
                dense = DenseArticleScores.build(self._index.snapshot(), self._table.ids)
                if self._dense is not None:
                    logger.info("knowledge-base index changed: reloaded %d documents", dense.rows)
                self._dense = dense
            self._checked_at = time.monotonic()
            return dense

    def index_size(self) -> int:
        """Number of documents in the knowledge-base index (0 before ``attune ingest``)."""
        self.warm_up()
        return self.dense_scores().rows

    def other_organisation(self, text: str) -> str | None:
        """The organisation whose own products ``text`` asks about (``prompts/scope.yaml``), or None."""
        self.warm_up()
        assert self._screen is not None
        return self._screen.other_organisation(text)

    def rank(self, *, encoded: Encoded) -> RankedArticles:
        """All articles ranked for ``encoded``; raises :class:`IndexNotBuiltError` when the index is empty."""
        self.warm_up()
        assert self._table is not None and self._head is not None
        head, table = self._head, self._table
        dense = self.dense_scores()
        if dense.rows == 0:
            raise IndexNotBuiltError("the knowledge-base index is empty: run `attune ingest`")
        vector = np.asarray(encoded.vector, dtype=np.float32).reshape(-1)
        dense_q, dense_s = dense.scores(vector)
        trained = bool(head.meta.get("trained"))
        routing = None if encoded.routing_vector is None else np.asarray(encoded.routing_vector, np.float32)[None, :]
        probs = head.predict_proba(vector[None, :], [encoded.text], routing)[0] if trained else None
        oos_col = head.classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in head.classes else -1
        sig = article_signals(probs, table, dense_q, dense_s, encoded.text, oos_col)
        fused = fuse(sig, head.fusion)
        confidence = float(head.calibrate(confidence_features(sig, fused))[0])
        order = np.argsort(-fused, kind="stable")
        shares = softmax(fused)
        ids = tuple(table.ids[i] for i in order)
        top_article = self.kb.article(ids[0])
        intent: str | None = top_article.meta.intents[0]
        if probs is not None:
            cols = [head.classes.index(i) for i in top_article.meta.intents if i in head.classes]
            if cols:
                intent = head.classes[max(cols, key=lambda c: probs[c])]
        return RankedArticles(ids, tuple(float(shares[i]) for i in order), confidence, intent, sig)

    def run(self, *, encoded: Encoded, top_k: int | None = None, support_intents: Sequence[str] = ()) -> Retrieval:
        """The top ``top_k`` (default ``settings.top_k``) articles' sections as passages, best first.

        ``support_intents`` (from the style policy, e.g. ``financial_difficulty`` for a customer short of money):
        the best-ranked of the top ``top_k`` articles that declares one of them, if its share of the fused score
        is at least ``settings.support_min_share``, moves to the front and ``Retrieval.intent`` names that intent.
        So "I'm skint and can't pay my overdraft" is answered from financial-difficulty help, while a savings
        question that mentions being skint is still answered about savings. Confidence and ``in_scope`` still
        describe the ranking's own top.
        """
        ranked = self.rank(encoded=encoded)
        k = top_k or self._settings.top_k
        order = list(zip(ranked.ids[:k], ranked.scores[:k], strict=True))
        intent = ranked.intent
        for j, (aid, share) in enumerate(order):
            matched = [i for i in self.kb.article(aid).meta.intents if i in support_intents]
            if matched and share >= self._settings.support_min_share:
                if j > 0:
                    logger.info("support article %s answered from first (ranked %d)", aid, j + 1)
                    order.insert(0, order.pop(j))
                    intent = matched[0]
                break
        passages = [p for aid, score in order for p in self._article_passages(aid, score)]
        assert self._screen is not None  # rank() warmed the stage up
        other = self._screen.other_organisation(encoded.text)
        if other is not None:
            logger.info("out of scope: asks about %s", other)
        in_scope = ranked.confidence >= self._settings.min_retrieval_confidence and other is None
        retrieval = Retrieval(
            passages=tuple(passages),
            article_ids=tuple(aid for aid, _ in order),
            confidence=round(ranked.confidence, 4),
            in_scope=in_scope,
            intent=intent if in_scope else None,
            other_organisation=other,
        )
        return self.recall(encoded=encoded, retrieval=retrieval)

    def _article_passages(self, aid: str, score: float) -> list[Passage]:
        """One article's rendered sections as passages at ``score``."""
        article = self.kb.article(aid)
        risk = self.kb.render(article.meta.risk_warning) if article.meta.risk_warning else None
        return [
            Passage(
                article_id=aid,
                title=article.title,
                section=section,
                text=text,
                score=round(score, 4),
                intents=article.meta.intents,
                product=article.meta.product,
                sensitive=article.meta.sensitive,
                risk_warning=risk,
            )
            for section, text in self._passages[aid]
        ]

    @property
    def fact_cache(self) -> EmbeddingCache:
        """Fact-description vectors (the file ``attune ingest`` writes; others encoded on first use)."""
        with self._lock:
            if self._fact_cache is None:
                source = self._settings.data_dir / VECTORS_FILE
                self._fact_cache = EmbeddingCache(self._encoder or shared_encoder(), source=source)
            return self._fact_cache

    def recall(self, *, encoded: Encoded, retrieval: Retrieval) -> Retrieval:
        """Below the confidence bar (and not about another organisation), the article of the facts file's clear
        best match for the question across the whole knowledge base goes first (``composer.yaml``
        ``focus.recall``, :mod:`assistant.answers.fact_recall`); ``retrieval`` unchanged otherwise. Confidence and
        ``in_scope`` stay as ranked: the composer's below-bar rule and the checks still decide."""
        if retrieval.in_scope or retrieval.other_organisation is not None or not retrieval.article_ids:
            return retrieval
        focus = load_composer_prompts(self._settings.prompts_dir).focus
        if not focus.recall.enabled or focus.answer_fact is None:
            return retrieval
        vectors = KnownVectors(self.fact_cache, {encoded.text: encoded.vector})
        found = recall_fact(
            encoded.text,
            kb_facts(self._settings.kb_dir),
            article_facts(self._settings.kb_dir),
            vectors,
            focus.answer_fact,
            focus.recall,
            prefer=retrieval.article_ids,
        )
        if found is None or found.article_id not in self._passages:
            return retrieval
        top = retrieval.passages[0].score if retrieval.passages else 0.0
        return with_recalled(retrieval, found.article_id, self._article_passages(found.article_id, top))
