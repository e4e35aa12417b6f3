"""Stage: find the knowledge-base articles that answer the message, with a calibrated confidence."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.errors import IndexNotBuiltError
from assistant.integrations.encoder import TextEncoder
from assistant.integrations.vectorstore import VectorIndex, make_vector_index
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

MAX_HITS = 4000  # dense search covers every index document of a knowledge base up to this size


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
        self, settings: Settings, encoder: TextEncoder | None = None, index: VectorIndex | None = None
    ) -> None:
        self._settings = settings
        self._encoder = encoder
        self._index = index
        self._kb: KnowledgeBase | None = None
        self._head: RoutingHead | None = None
        self._table: ArticleTable | None = None
        self._screen: OrganisationScreen | None = None
        self._passages: dict[str, tuple[tuple[str, str], ...]] = {}
        self._lock = threading.Lock()

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
        """Load the knowledge base, the routing head and the index handle (once)."""
        with self._lock:
            if self._kb is not None:
                return
            kb = load_kb(self._settings.kb_dir)
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
                if self._index.count() == 0:
                    logger.warning("the knowledge-base index is empty: run `attune ingest`")
            except Exception as exc:  # reported again, as an error, on the first run()
                logger.warning("cannot reach the knowledge-base index: %s", exc)

    def index_size(self) -> int:
        """Number of documents in the knowledge-base index (0 before ``attune ingest``)."""
        self.warm_up()
        assert self._index is not None
        return self._index.count()

    def other_organisation(self, text: str) -> str | None:
        """The organisation whose own products ``text`` asks about (``prompts/scope.yaml``), or None."""
        self.warm_up()
        assert self._screen is not None
        return self._screen.other_organisation(text)

    def rank(self, *, encoded: Encoded) -> RankedArticles:
        """All articles ranked for ``encoded``; raises :class:`IndexNotBuiltError` when the index is empty."""
        self.warm_up()
        assert self._index is not None and self._table is not None and self._head is not None
        head, table = self._head, self._table
        count = self._index.count()
        if count == 0:
            raise IndexNotBuiltError("the knowledge-base index is empty: run `attune ingest`")
        vector = np.asarray(encoded.vector, dtype=np.float32).reshape(-1)
        position = {aid: i for i, aid in enumerate(table.ids)}
        dense_q = np.full(len(table.ids), -1.0, dtype=np.float32)
        dense_s = np.full(len(table.ids), -1.0, dtype=np.float32)
        for hit in self._index.query(vector, min(count, MAX_HITS)):
            a = position.get(str(hit.metadata.get("article_id", "")))
            if a is None:
                continue
            target = dense_q if hit.metadata.get("kind") == "question" else dense_s
            target[a] = max(target[a], hit.score)
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
        passages: list[Passage] = []
        for aid, score in order:
            article = self.kb.article(aid)
            for section, text in self._passages[aid]:
                passages.append(
                    Passage(
                        article_id=aid,
                        title=article.title,
                        section=section,
                        text=text,
                        score=round(score, 4),
                        intents=article.meta.intents,
                        product=article.meta.product,
                        sensitive=article.meta.sensitive,
                        risk_warning=self.kb.render(article.meta.risk_warning) if article.meta.risk_warning else None,
                    )
                )
        assert self._screen is not None  # rank() warmed the stage up
        other = self._screen.other_organisation(encoded.text)
        if other is not None:
            logger.info("out of scope: asks about %s", other)
        in_scope = ranked.confidence >= self._settings.min_retrieval_confidence and other is None
        return Retrieval(
            passages=tuple(passages),
            article_ids=tuple(aid for aid, _ in order),
            confidence=round(ranked.confidence, 4),
            in_scope=in_scope,
            intent=intent if in_scope else None,
            other_organisation=other,
        )
