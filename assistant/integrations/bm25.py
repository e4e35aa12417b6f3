"""Lexical retrieval: BM25 (Okapi, ``rank_bm25``) over short documents, with a small English tokenizer.

>>> index = Bm25Index(["lost card", "exchange rate for euros", "top up limits"])
>>> index.top("what rate do you give for euros", 1)[0][0]
1
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    """a an the and or but if then so to of in on at for from by with about as into is are was were be been
    being am i me my mine you your yours we our us it its this that these those there here do does did doing
    have has had can could would should will shall may might must just please hi hello thanks thank what why
    how when where which
    who whom im ive id dont cant wont didnt doesnt isnt not no yes also too very really some any""".split()
)


def _stem(token: str) -> str:
    """A light suffix stripper for plurals and verb endings (``cards`` -> ``card``)."""
    token = token.split("'")[0]
    for suffix in ("ing", "ed", "es", "s"):
        if len(token) > len(suffix) + 2 and token.endswith(suffix):
            if suffix == "s" and token.endswith("ss"):
                return token
            return token[: -len(suffix)]
    return token


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens, stop words dropped, lightly stemmed.

    >>> tokenize("My cards were charged twice!")
    ['card', 'charg', 'twice']
    """
    return [_stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


class Bm25Index:
    """BM25 Okapi scores of a query against a fixed list of documents (position = document number).

    ``rank_bm25`` fits the statistics (idf with its epsilon floor, document lengths); they are then held as
    postings arrays (term -> documents, per-document weight), so a query costs one scatter-add per query term
    instead of a Python pass over every document, with the very same float64 arithmetic as
    ``BM25Okapi.get_scores`` (identical scores).
    """

    def __init__(self, documents: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        from rank_bm25 import BM25Okapi

        self._n = len(documents)
        corpus = [tokenize(d) or ["_empty_"] for d in documents]
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if not documents:
            return
        bm25 = BM25Okapi(corpus, k1=k1, b=b)
        doc_len = np.array(bm25.doc_len)
        # The same expression as BM25Okapi.get_scores, evaluated once per document instead of once per query.
        norm = bm25.k1 * (1 - bm25.b + bm25.b * doc_len / bm25.avgdl)
        docs_by_term: dict[str, list[int]] = {}
        freqs_by_term: dict[str, list[int]] = {}
        for d, freqs in enumerate(bm25.doc_freqs):
            for term, tf in freqs.items():
                docs_by_term.setdefault(term, []).append(d)
                freqs_by_term.setdefault(term, []).append(tf)
        for term, docs in docs_by_term.items():
            idx = np.array(docs, dtype=np.int64)
            q_freq = np.array(freqs_by_term[term])
            idf = bm25.idf.get(term) or 0
            self._postings[term] = (idx, idf * (q_freq * (bm25.k1 + 1) / (q_freq + norm[idx])))

    def __len__(self) -> int:
        return self._n

    def scores(self, query: str) -> np.ndarray:
        """One non-negative score per document (0 when no query term matches)."""
        if not self._n:
            return np.zeros(0, dtype=np.float32)
        tokens = tokenize(query)
        if not tokens:
            return np.zeros(self._n, dtype=np.float32)
        score = np.zeros(self._n)
        for token in tokens:  # in query order, repeats included, as BM25Okapi sums them
            posting = self._postings.get(token)
            if posting is not None:
                score[posting[0]] += posting[1]
        return np.maximum(np.asarray(score, dtype=np.float32), 0.0)

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (document number, score), best first."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order]
