"""The generator Protocol every answer backend (composer, openai, local) implements, and its streaming holder.

>>> from assistant.types import Draft
>>> finish = lambda text: Draft(text=text, citations=(), generator="x")
>>> stream = DraftStream(iter(["Hello ", "there."]), finish)
>>> "".join(stream)
'Hello there.'
>>> stream.draft.text
'Hello there.'
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.errors import GenerationError
from assistant.types import (
    Citation,
    DistressLevel,
    Draft,
    LiteracyLevel,
    Passage,
    Retrieval,
    SentimentLabel,
    Signals,
    Style,
    VulnerabilityDriver,
)


@dataclass(frozen=True)
class GenerationRequest:
    """Everything a backend may use: the redacted question, the style, the retrieved passages, the signals."""

    query: str
    style: Style
    retrieval: Retrieval
    signals: Signals
    # the query's vector from the turn's own encoder pass, when the turn has one (the composer then makes no
    # second pass for it); None: the backend encodes the query itself
    query_vector: np.ndarray | None = field(default=None, repr=False, compare=False)


class DraftStream(Iterator[str]):
    """Text deltas of one answer; once exhausted, :attr:`draft` holds the finished :class:`Draft`.

    ``stats`` records ``ttft_s`` (time to the first delta), ``total_s``, ``deltas`` and, for token-level
    backends, ``tokens``. Iterate it to the end (or call :meth:`collect`) before reading ``draft``.
    """

    def __init__(self, deltas: Iterable[str], finish: Callable[[str], Draft]) -> None:
        self._deltas = iter(deltas)
        self._finish = finish
        self._parts: list[str] = []
        self._draft: Draft | None = None
        self._started = time.perf_counter()
        self.stats: dict[str, float] = {"deltas": 0.0}

    def __iter__(self) -> DraftStream:
        return self

    def __next__(self) -> str:
        if self._draft is not None:
            raise StopIteration
        try:
            delta = next(self._deltas)
        except StopIteration:
            self.stats["total_s"] = time.perf_counter() - self._started
            self._draft = self._finish("".join(self._parts))
            raise
        if "ttft_s" not in self.stats:
            self.stats["ttft_s"] = time.perf_counter() - self._started
        self.stats["deltas"] += 1
        self._parts.append(delta)
        return delta

    @property
    def done(self) -> bool:
        return self._draft is not None

    @property
    def draft(self) -> Draft:
        if self._draft is None:
            raise GenerationError("the draft is not finished: iterate the stream to its end first")
        return self._draft

    def collect(self) -> Draft:
        """Consume the remaining deltas and return the draft."""
        for _ in self:
            pass
        return self.draft


@runtime_checkable
class AnswerBackend(Protocol):
    """One way of writing an answer. ``stream`` must not do I/O before iteration starts; failures while
    iterating raise :class:`~assistant.errors.GenerationError`."""

    name: str

    def warm_up(self) -> None: ...

    def stream(self, request: GenerationRequest) -> DraftStream: ...


_CHUNK = re.compile(r"\s*\S+\s*")


def chunk_text(text: str) -> Iterator[str]:
    """Split finished text into word-sized deltas whose concatenation is exactly ``text``."""
    end = 0
    for match in _CHUNK.finditer(text):
        yield match.group(0)
        end = match.end()
    if end < len(text):  # whitespace-only text
        yield text[end:]


def top_passages(retrieval: Retrieval) -> list[Passage]:
    """Passages of the best-ranked article, in the order the retriever gave them."""
    if not retrieval.article_ids:
        return []
    top = retrieval.article_ids[0]
    return [p for p in retrieval.passages if p.article_id == top]


def make_signals(
    *,
    sentiment: SentimentLabel = "neutral",
    distress: DistressLevel = "none",
    vulnerability: tuple[VulnerabilityDriver, ...] = (),
    literacy: LiteracyLevel = "intermediate",
    literacy_confidence: float = 0.8,
    handoff_requested: bool = False,
) -> Signals:
    """A :class:`Signals` with the given labels and neutral probabilities (examples, tests, evaluation).

    >>> make_signals(distress="high").distress
    'high'
    """
    return Signals(
        sentiment=sentiment,
        sentiment_score={"positive": 0.6, "neutral": 0.0, "negative": -0.6}[sentiment],
        sentiment_probs={sentiment: 1.0},
        distress=distress,
        distress_probs={distress: 1.0},
        vulnerability=vulnerability,
        vulnerability_probs={v: 1.0 for v in vulnerability},
        handoff_requested=handoff_requested,
        handoff_prob=1.0 if handoff_requested else 0.0,
        literacy=literacy,
        literacy_confidence=literacy_confidence,
        literacy_message=literacy,
        literacy_probs={literacy: literacy_confidence},
        cues={},
    )


def citation_for(passage: Passage) -> Citation:
    return Citation(article_id=passage.article_id, title=passage.title, section=passage.section, score=passage.score)
