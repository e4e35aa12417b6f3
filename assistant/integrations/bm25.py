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
    """BM25 Okapi scores of a query against a fixed list of documents (position = document number)."""

    def __init__(self, documents: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        from rank_bm25 import BM25Okapi

        self._n = len(documents)
        corpus = [tokenize(d) or ["_empty_"] for d in documents]
        self._bm25 = BM25Okapi(corpus, k1=k1, b=b) if documents else None

    def __len__(self) -> int:
        return self._n

    def scores(self, query: str) -> np.ndarray:
        """One non-negative score per document (0 when no query term matches)."""
        if self._bm25 is None:
            return np.zeros(0, dtype=np.float32)
        tokens = tokenize(query)
        if not tokens:
            return np.zeros(self._n, dtype=np.float32)
        return np.maximum(np.asarray(self._bm25.get_scores(tokens), dtype=np.float32), 0.0)

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (document number, score), best first."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order]
