"""VADER (vaderSentiment) behind a small Protocol: the rule-based baseline the signals heads are
compared with, and the source of general-purpose polar words used as sentiment cues.

>>> VaderSentimentAnalyzer().score("not bad at all").label
'positive'
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from assistant.errors import ModelUnavailableError

_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class PolarityScore:
    """VADER's output: compound in [-1, 1], the usual ±0.05 thresholds as a label, the polar words seen."""

    compound: float
    positive: float
    negative: float
    neutral: float
    label: str
    polar_words: tuple[tuple[str, float], ...] = ()


@runtime_checkable
class SentimentAnalyzer(Protocol):
    """Scores the polarity of a text."""

    name: str

    def score(self, text: str) -> PolarityScore: ...


class VaderSentimentAnalyzer:
    """vaderSentiment's ``SentimentIntensityAnalyzer``, loaded once and shared by threads.

    >>> VaderSentimentAnalyzer().score("my interest rate went up and my debt keeps growing").compound > 0
    True
    """

    name = "vader"

    def __init__(self, pos_threshold: float = 0.05, neg_threshold: float = -0.05) -> None:
        self._pos = pos_threshold
        self._neg = neg_threshold
        self._analyzer: object | None = None
        self._lexicon: dict[str, float] = {}
        self._lock = threading.Lock()

    def _load(self) -> object:
        with self._lock:
            if self._analyzer is None:
                try:
                    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
                except ImportError as exc:  # pragma: no cover - dependency missing
                    raise ModelUnavailableError("package vaderSentiment is not installed") from exc
                analyzer = SentimentIntensityAnalyzer()
                self._lexicon = dict(analyzer.lexicon)
                self._analyzer = analyzer
        return self._analyzer

    def score(self, text: str) -> PolarityScore:
        analyzer = self._load()
        raw = analyzer.polarity_scores(text)  # type: ignore[attr-defined]
        compound = float(raw["compound"])
        label = "positive" if compound >= self._pos else "negative" if compound <= self._neg else "neutral"
        words = tuple(
            (w, float(self._lexicon[w])) for w in dict.fromkeys(_WORD.findall(text.lower())) if w in self._lexicon
        )
        return PolarityScore(
            compound=compound,
            positive=float(raw["pos"]),
            negative=float(raw["neg"]),
            neutral=float(raw["neu"]),
            label=label,
            polar_words=words,
        )
