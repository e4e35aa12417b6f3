"""The in-memory retrieval hot path: the same decisions as a full search of the store, reloaded after ingest.

Real encoder, embedded Chroma and the fixture KB. The reference ranking is the one the retriever used before the
in-memory index: the dense signal from the store's own nearest-neighbour search over every document.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from assistant.integrations.bm25 import Bm25Index, tokenize
from assistant.integrations.encoder import SentenceTransformerEncoder
from assistant.integrations.vectorstore import ChromaVectorIndex, InMemoryVectorIndex, VectorIndex
from assistant.kb.ingest import ingest_kb
from assistant.kb.intents import OUT_OF_SCOPE
from assistant.kb.routing import article_signals, bm25_text, confidence_features, fuse
from assistant.settings import Settings
from assistant.stages.retrieve import KnowledgeRetriever
from assistant.types import Encoded

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
QUERIES = (
    "How long will my new card take to arrive?",
    "I think someone stole my card",
    "what's the exchange rate for dollars",
    "how much can I top up in one go?",
    "I lost my job and I can't pay what I owe",
    "What interest does the easy access savings account pay?",
    "What will the weather be like in Paris tomorrow?",
    "is there a fee for changing money at the weekend",
    "my card hasn't come yet",
    "can I pay in cash to my savings",
    "top up failed twice",
    "card",
)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    s = Settings(environment="test", data_dir=tmp_path_factory.mktemp("retrieval-index"), kb_dir=FIXTURE_KB)
    ingest_kb(s, progress=False)
    return s


@pytest.fixture(scope="module")
def retriever(settings: Settings, encoder: SentenceTransformerEncoder) -> Iterator[KnowledgeRetriever]:
    r = KnowledgeRetriever(settings, encoder=encoder)
    r.warm_up()
    yield r


def _reference_rank(r: KnowledgeRetriever, index: VectorIndex, encoded: Encoded) -> tuple[list[str], float]:
    """The ranking from a full nearest-neighbour search of the store (what ``rank`` did before)."""
    table, head = r._table, r.head
    assert table is not None
    position = {aid: i for i, aid in enumerate(table.ids)}
    dense_q = np.full(len(table.ids), -1.0, dtype=np.float32)
    dense_s = np.full(len(table.ids), -1.0, dtype=np.float32)
    for hit in index.query(np.asarray(encoded.vector), index.count()):
        a = position.get(str(hit.metadata.get("article_id", "")))
        if a is not None:
            target = dense_q if hit.metadata.get("kind") == "question" else dense_s
            target[a] = max(target[a], hit.score)
    trained = bool(head.meta.get("trained"))
    routing = None if encoded.routing_vector is None else np.asarray(encoded.routing_vector)[None, :]
    probs = head.predict_proba(encoded.vector[None, :], [encoded.text], routing)[0] if trained else None
    oos = head.classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in head.classes else -1
    sig = article_signals(probs, table, dense_q, dense_s, encoded.text, oos)
    fused = fuse(sig, head.fusion)
    confidence = float(head.calibrate(confidence_features(sig, fused))[0])
    return [table.ids[i] for i in np.argsort(-fused, kind="stable")], confidence


def test_in_memory_ranking_makes_the_stores_decisions(
    retriever: KnowledgeRetriever, settings: Settings, encoder: SentenceTransformerEncoder
) -> None:
    store = ChromaVectorIndex(settings, encoder)
    k = settings.top_k
    for text in QUERIES:
        encoded = Encoded(text, encoder.encode([text])[0])
        ranked = retriever.rank(encoded=encoded)
        ids, confidence = _reference_rank(retriever, store, encoded)
        assert list(ranked.ids[:k]) == ids[:k], text
        in_scope = confidence >= settings.min_retrieval_confidence
        assert (ranked.confidence >= settings.min_retrieval_confidence) == in_scope, text


def test_dense_scores_are_the_best_cosine_per_article_and_kind(
    retriever: KnowledgeRetriever, settings: Settings, encoder: SentenceTransformerEncoder
) -> None:
    store = ChromaVectorIndex(settings, encoder)
    dense = retriever.dense_scores()
    assert dense.rows == store.count() == retriever.index_size()
    vector = encoder.encode(["where is my card"])[0]
    dense_q, dense_s = dense.scores(vector)
    ids = retriever.kb.ids
    hits = store.query(vector, store.count())
    for a, aid in enumerate(ids):
        q = [h.score for h in hits if h.metadata.get("article_id") == aid and h.metadata.get("kind") == "question"]
        s = [h.score for h in hits if h.metadata.get("article_id") == aid and h.metadata.get("kind") != "question"]
        # the best row is the same document either way (the store's cosine, recomputed here in one product)
        assert abs(float(dense_q[a]) - max(q)) < 1e-5 and abs(float(dense_s[a]) - max(s)) < 1e-5


def test_bm25_postings_give_rank_bm25_scores_exactly(retriever: KnowledgeRetriever) -> None:
    kb = retriever.kb
    documents = [bm25_text(kb, a) for a in kb.articles]
    ours = Bm25Index(documents)
    reference = BM25Okapi([tokenize(d) or ["_empty_"] for d in documents], k1=1.5, b=0.75)
    for text in (*QUERIES, "card card card", "the of and", ""):
        tokens = tokenize(text)
        expected = (
            np.maximum(np.asarray(reference.get_scores(tokens), dtype=np.float32), 0.0)
            if tokens
            else np.zeros(len(documents), np.float32)
        )
        assert np.array_equal(ours.scores(text), expected), text


def test_the_in_memory_index_reloads_when_ingest_changes_the_store(
    settings: Settings, encoder: SentenceTransformerEncoder
) -> None:
    index = InMemoryVectorIndex()
    ingest_kb(settings, encoder=encoder, index=index, progress=False)
    r = KnowledgeRetriever(settings, encoder=encoder, index=index)
    r.warm_up()
    text = "my card hasn't come yet"
    encoded = Encoded(text, encoder.encode([text])[0])
    assert r.run(encoded=encoded).article_ids[0] == "card-arrival"
    gone = [i for i, m in index.all_metadata().items() if m.get("article_id") == "card-arrival"]
    index.delete(gone)
    dense = r.dense_scores(force=True)
    assert dense.rows == index.count()
    a = r.kb.ids.index("card-arrival")
    q, s = dense.scores(encoded.vector)
    assert q[a] == -1.0 and s[a] == -1.0  # no document left for the article


def test_a_change_by_another_process_shows_as_a_new_store_version(
    settings: Settings, encoder: SentenceTransformerEncoder
) -> None:
    ours, theirs = ChromaVectorIndex(settings, encoder), ChromaVectorIndex(settings, encoder)
    before = ours.version()
    assert theirs.version() == before
    vec = encoder.encode(["a passing note"])
    theirs.upsert(["probe::x"], vec, ["a passing note"], [{"article_id": "probe"}])
    after = ours.version()
    assert after != before and ours.snapshot().version == after
    theirs.delete(["probe::x"])
    assert ours.version() not in (before, after)
