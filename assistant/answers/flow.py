"""Generate -> check -> (simplify | fall back) for one turn, as the pipeline should run it; streaming or not.

Rules: a backend failure (:class:`GenerationError`) or a draft failing the checks falls back to the
composer; a reading-level miss re-runs the same generator once with :func:`simpler_style`; only checked text
is streamed to the customer (a model's raw tokens never are).

>>> from assistant.answers.base import make_signals
>>> from assistant.answers.kbview import load_articles, oracle_retrieval
>>> from assistant.settings import Settings
>>> from assistant.stages.generate import AnswerGenerator
>>> from assistant.stages.ground import AnswerChecker
>>> from assistant.stages.style import StyleSelector
>>> settings = Settings()
>>> signals = make_signals(literacy="novice")
>>> style = StyleSelector(settings).run(signals=signals, channel="widget")
>>> retrieval = oracle_retrieval(load_articles(settings.kb_dir)[:1])
>>> flow = AnswerFlow(AnswerGenerator(settings), AnswerChecker(settings))
>>> stream = flow.stream(query="help", style=style, retrieval=retrieval, signals=signals)
>>> text = "".join(stream)
>>> stream.result.verdict.text == text
True
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace

from assistant.answers.base import chunk_text
from assistant.answers.policy import simpler_style
from assistant.errors import GenerationError
from assistant.stages.generate import AnswerGenerator
from assistant.stages.ground import AnswerChecker
from assistant.types import Draft, Retrieval, Signals, Style, Verdict

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """One generate-and-check round: which generator, with which style, and what came of it."""

    generator: str
    style: Style
    draft: Draft | None
    verdict: Verdict | None
    stats: dict[str, float]
    supported_sentences: int = 0
    graded_sentences: int = 0
    invented_figures: int = 0
    error: str | None = None


@dataclass(frozen=True)
class CheckedAnswer:
    """The final draft and verdict of a turn, the style finally used, generation timings and every attempt."""

    draft: Draft
    verdict: Verdict
    style: Style
    stats: dict[str, float]
    attempts: tuple[Attempt, ...] = ()


class AnswerFlow:
    """Runs generator and checker with the fallbacks; ``AnswerFlow(generator, checker).run(...)``.

    The composer fallback is ``AnswerGenerator(settings, backend="composer")`` unless given.
    """

    def __init__(
        self,
        generator: AnswerGenerator,
        checker: AnswerChecker,
        composer: AnswerGenerator | None = None,
        max_rewrites: int = 1,
    ) -> None:
        self.generator = generator
        self.checker = checker
        self._composer = composer
        self.max_rewrites = max_rewrites

    @property
    def composer(self) -> AnswerGenerator:
        if self._composer is None:
            if self.generator.name == "composer":
                self._composer = self.generator
            else:
                self._composer = AnswerGenerator(self.generator.settings, backend="composer")
        return self._composer

    def _attempt(
        self,
        generator: AnswerGenerator,
        query: str,
        style: Style,
        retrieval: Retrieval,
        signals: Signals,
        log: list[Attempt],
    ) -> tuple[Draft, Verdict, dict[str, float]]:
        stream = generator.stream(query=query, style=style, retrieval=retrieval, signals=signals)
        try:
            draft = stream.collect()
        except GenerationError as exc:
            log.append(Attempt(generator.name, style, None, None, dict(stream.stats), error=str(exc)))
            raise
        verdict = self.checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
        checks = self.checker.last_sentences
        log.append(
            Attempt(
                generator.name,
                style,
                draft,
                verdict,
                dict(stream.stats),
                supported_sentences=sum(c.supported for c in checks),
                graded_sentences=len(checks),
                invented_figures=sum(len(c.invented) for c in checks),
            )
        )
        return draft, verdict, dict(stream.stats)

    def run(self, *, query: str, style: Style, retrieval: Retrieval, signals: Signals) -> CheckedAnswer:
        """Generate and check, falling back and simplifying as needed; never raises GenerationError."""
        log: list[Attempt] = []
        fallback: str | None = None
        rewrites = 0
        generator = self.generator
        try:
            draft, verdict, stats = self._attempt(generator, query, style, retrieval, signals, log)
        except GenerationError as exc:
            logger.warning("generator %s failed (%s); falling back to the composer", generator.name, exc.code)
            generator, fallback = self.composer, "composer"
            draft, verdict, stats = self._attempt(generator, query, style, retrieval, signals, log)
        if not verdict.passed and generator is not self.composer:
            logger.info(
                "draft by %s failed the checks (%.2f); falling back", generator.name, verdict.grounding_score
            )
            generator, fallback = self.composer, "composer"
            draft, verdict, stats = self._attempt(generator, query, style, retrieval, signals, log)
        candidate = style
        while verdict.passed and not verdict.reading_ok and rewrites < self.max_rewrites:
            simpler = simpler_style(candidate)
            if simpler is candidate:
                break
            candidate = simpler
            rewrites += 1
            try:
                d2, v2, s2 = self._attempt(generator, query, candidate, retrieval, signals, log)
            except GenerationError:
                break
            if v2.passed:
                draft, verdict, stats, style = d2, v2, s2, candidate
        verdict = replace(verdict, rewrites=rewrites, fallback=fallback)
        return CheckedAnswer(draft=draft, verdict=verdict, style=style, stats=stats, attempts=tuple(log))

    def stream(self, *, query: str, style: Style, retrieval: Retrieval, signals: Signals) -> CheckedStream:
        """Deltas of the checked text; ``.result`` (a :class:`CheckedAnswer`) is set once it is exhausted."""
        return CheckedStream(self, query, style, retrieval, signals)


class CheckedStream(Iterator[str]):
    """Iterator of text deltas of the *checked* answer; :attr:`result` afterwards."""

    def __init__(
        self, flow: AnswerFlow, query: str, style: Style, retrieval: Retrieval, signals: Signals
    ) -> None:
        self._flow = flow
        self._args = (query, style, retrieval, signals)
        self._chunks: Iterator[str] | None = None
        self.result: CheckedAnswer | None = None

    def __iter__(self) -> CheckedStream:
        return self

    def __next__(self) -> str:
        if self._chunks is None:
            query, style, retrieval, signals = self._args
            self.result = self._flow.run(query=query, style=style, retrieval=retrieval, signals=signals)
            self._chunks = chunk_text(self.result.verdict.text)
        return next(self._chunks)
