"""Candidate scoring for routing: per-article signals of one query (head, dense, BM25), their fusion into one
score, and the features the confidence calibration reads.

>>> fuse(ArticleSignals(np.array([1.0]), np.array([0.5]), np.array([0.0]), np.array([0.0]), 0.0, 0.0), {"a_q": 2.0})
array([1.0001])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.integrations.bm25 import Bm25Index
from assistant.kb.loader import KnowledgeBase
from assistant.kb.routing_head import EPS, softmax


@dataclass(frozen=True)
class ArticleTable:
    """Per-article lookups shared by training, evaluation and the retriever."""

    ids: tuple[str, ...]
    intent_matrix: np.ndarray  # (articles, classes) 1 where the article declares the class's intent
    bm25: Bm25Index

    @classmethod
    def build(cls, kb: KnowledgeBase, classes: Sequence[str]) -> ArticleTable:
        col = {c: i for i, c in enumerate(classes)}
        matrix = np.zeros((len(kb.articles), len(classes)), dtype=np.float32)
        for a, article in enumerate(kb.articles):
            for intent in article.meta.intents:
                if intent in col:
                    matrix[a, col[intent]] = 1.0
        return cls(kb.ids, matrix, Bm25Index([bm25_text(kb, a) for a in kb.articles]))


def bm25_text(kb: KnowledgeBase, article: Any) -> str:
    """An article's whole text for BM25: title, example questions, sections and glossary (facts filled in)."""
    parts = [article.title, *article.meta.questions] + [text for _, text in kb.rendered_sections(article)]
    return "\n".join(parts)


@dataclass(frozen=True)
class ArticleSignals:
    """The raw per-article signals for one query."""

    head: np.ndarray  # (A,) best intent probability per article
    dense_q: np.ndarray  # (A,) best cosine to an example question
    dense_s: np.ndarray  # (A,) best cosine to the title or a section
    bm25: np.ndarray  # (A,) BM25 score, divided by the best article's score (0..1)
    bm25_max: float
    p_oos: float


def article_signals(
    probs: np.ndarray | None,
    table: ArticleTable,
    dense_q: np.ndarray,
    dense_s: np.ndarray,
    text: str,
    oos_col: int,
) -> ArticleSignals:
    if probs is None:
        head = np.zeros(len(table.ids), dtype=np.float32)
        p_oos = 0.0
    else:
        head = (table.intent_matrix * probs[None, :]).max(axis=1)
        p_oos = float(probs[oos_col]) if oos_col >= 0 else 0.0
    raw = table.bm25.scores(text)
    top = float(raw.max()) if raw.size else 0.0
    return ArticleSignals(head, dense_q, dense_s, raw / top if top > 0 else raw, top, p_oos)


def fuse(sig: ArticleSignals, fusion: dict[str, float]) -> np.ndarray:
    """Fused article scores (higher is better)."""
    score = (
        fusion.get("a_q", 0.0) * sig.dense_q + fusion.get("a_s", 0.0) * sig.dense_s + fusion.get("b", 0.0) * sig.bm25
    )
    if fusion.get("head", 1.0):
        score = score + fusion.get("head", 1.0) * np.log(sig.head + EPS)
    return np.asarray(score, dtype=np.float64)


def confidence_features(sig: ArticleSignals, fused: np.ndarray) -> np.ndarray:
    order = np.argsort(-fused, kind="stable")
    top = int(order[0])
    second = float(fused[order[1]]) if len(order) > 1 else float(fused[top]) - 10.0
    probs = softmax(fused)
    return np.array(
        [
            float(probs[top]),
            float(fused[top]) - second,
            math.log(float(sig.head[top]) + EPS),
            sig.p_oos,
            float(sig.dense_q[top]),
            float(sig.dense_s[top]),
            sig.bm25_max,
        ]
    )
