"""Routing: which article answers a query, and how sure we are (inference only; training is in
``assistant.training.routing.train``).

Three signals per article, all computed from one encoder pass and the message text:

* intent probabilities (softmax over the 77 BANKING77 intents, the extra intents and ``out_of_scope``):
  a linear head on the frozen MiniLM embedding plus hashed word/character n-grams, averaged with an MLP on
  the same embedding and with a cosine classifier on ``Encoded.routing_vector`` (the pass finished by the
  routing adapter's fine-tuned top layers); an article's head score is its best intent's probability;
* dense similarity: the best cosine between the query and the article's example questions, and between the
  query and its title/sections;
* BM25 over the article's text (title, questions, sections, glossary).

They are fused linearly (``log head + a_q dense_q + a_s dense_s + b bm25``) and the top article's confidence
is a logistic calibration of a few features of that ranking, fitted on out-of-fold predictions, so
``Retrieval.confidence`` is a probability that the top article is right (out-of-scope queries count as wrong).

``assistant.training.routing.train.train_routing`` (``attune train routing``) fits everything reproducibly and
writes ``assistant/artifacts/routing_head.npz``, ``routing_adapter.npz`` and a model card.

The code is in three modules, re-exported here (the import path the rest of the project uses):
:mod:`assistant.kb.routing_head` (features and the trained head), :mod:`assistant.kb.routing_scoring` (per-article
signals, fusion, confidence features) and :mod:`assistant.kb.routing_views` (cached encoder views, the routing
adapter, the questions fingerprint).

>>> head = RoutingHead.load(Settings().artifacts_dir / "routing_head.npz")  # doctest: +SKIP
>>> head.classes[-1]  # doctest: +SKIP
'out_of_scope'
"""

from __future__ import annotations

from assistant.kb.routing_head import (
    CARD_FILE,
    CONF_FEATURES,
    EPS,
    HEAD_FILE,
    FeatureSpec,
    RoutingHead,
    ngram_counts,
    softmax,
)
from assistant.kb.routing_scoring import (
    ArticleSignals,
    ArticleTable,
    article_signals,
    bm25_text,
    confidence_features,
    fuse,
)
from assistant.kb.routing_views import (
    cached_encode,
    cached_states,
    cached_views,
    load_adapter,
    questions_fingerprint,
)

__all__ = [
    "CARD_FILE",
    "CONF_FEATURES",
    "EPS",
    "HEAD_FILE",
    "ArticleSignals",
    "ArticleTable",
    "FeatureSpec",
    "RoutingHead",
    "article_signals",
    "bm25_text",
    "cached_encode",
    "cached_states",
    "cached_views",
    "confidence_features",
    "fuse",
    "load_adapter",
    "ngram_counts",
    "questions_fingerprint",
    "softmax",
]
