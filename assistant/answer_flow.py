"""The answer loop of one turn: generate -> check -> (composer fallback | one simpler rewrite).

The pipeline runs it after the dialogue stage; the evaluation harness and the agent copilot reuse it, so what they
measure or suggest is what customers get. :class:`AnswerFlow` calls only the generate and check stages it is given.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np

from assistant.answers.policy import simpler_style
from assistant.errors import GenerationError
from assistant.stages.generate import AnswerGenerator
from assistant.stages.ground import AnswerChecker
from assistant.types import Draft, Retrieval, Signals, Style, Verdict

logger = logging.getLogger("assistant.pipeline")  # its log lines read as the pipeline's, as before the split


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
    """Generate -> check -> (simplify | fall back) for one turn; streaming or not.

    A backend failure (:class:`GenerationError`) or a draft failing the checks falls back to the composer;
    a reading-level miss re-runs the same generator once with :func:`simpler_style`; only checked text is
    streamed to the customer (a model's raw tokens never are). The composer fallback is
    ``AnswerGenerator(settings, backend="composer")`` unless given.

    >>> from assistant.answers.base import make_signals
    >>> from assistant.answers.kbview import load_articles, oracle_retrieval
    >>> from assistant.settings import Settings
    >>> from assistant.stages.style import StyleSelector
    >>> settings = Settings()
    >>> signals = make_signals(literacy="novice")
    >>> style = StyleSelector(settings).run(signals=signals, channel="widget")
    >>> retrieval = oracle_retrieval(load_articles(settings.kb_dir)[:1])
    >>> flow = AnswerFlow(AnswerGenerator(settings), AnswerChecker(settings))
    >>> result = flow.run(query="help", style=style, retrieval=retrieval, signals=signals)
    >>> result.verdict.passed, result.draft.generator
    (True, 'composer')
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
        vector: np.ndarray | None = None,
    ) -> tuple[Draft, Verdict, dict[str, float]]:
        stream = generator.stream(query=query, style=style, retrieval=retrieval, signals=signals, query_vector=vector)
        try:
            draft = stream.collect()
        except GenerationError as exc:
            log.append(Attempt(generator.name, style, None, None, dict(stream.stats), error=str(exc)))
            raise
        check_start = time.perf_counter()
        checked = self.checker.run_detailed(draft=draft, retrieval=retrieval, style=style, signals=signals)
        verdict, checks = checked.verdict, checked.sentences
        stream.stats["check_s"] = time.perf_counter() - check_start
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

    def run(
        self,
        *,
        query: str,
        style: Style,
        retrieval: Retrieval,
        signals: Signals,
        query_vector: np.ndarray | None = None,
    ) -> CheckedAnswer:
        """Generate and check, falling back and simplifying as needed; never raises GenerationError.
        ``query_vector``: the query's vector from the turn's encoder pass, when the caller has it."""
        log: list[Attempt] = []
        fallback: str | None = None
        rewrites = 0
        generator = self.generator
        try:
            draft, verdict, stats = self._attempt(generator, query, style, retrieval, signals, log, query_vector)
        except GenerationError as exc:
            logger.warning("generator %s failed (%s); falling back to the composer", generator.name, exc.code)
            generator, fallback = self.composer, "composer"
            draft, verdict, stats = self._attempt(generator, query, style, retrieval, signals, log, query_vector)
        if not verdict.passed and generator is not self.composer:
            logger.info("draft by %s failed the checks (%.2f); falling back", generator.name, verdict.grounding_score)
            generator, fallback = self.composer, "composer"
            draft, verdict, stats = self._attempt(generator, query, style, retrieval, signals, log, query_vector)
        candidate = style
        while verdict.passed and not verdict.reading_ok and rewrites < self.max_rewrites:
            simpler = simpler_style(candidate)
            if simpler is candidate:
                break
            candidate = simpler
            rewrites += 1
            try:
                d2, v2, s2 = self._attempt(generator, query, candidate, retrieval, signals, log, query_vector)
            except GenerationError:
                break
            if v2.passed:
                draft, verdict, stats, style = d2, v2, s2, candidate
        verdict = replace(verdict, rewrites=rewrites, fallback=fallback)
        return CheckedAnswer(draft=draft, verdict=verdict, style=style, stats=stats, attempts=tuple(log))
