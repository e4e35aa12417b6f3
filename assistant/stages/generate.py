"""Stage: write the answer draft with the configured generator (composer, openai or local), or stream it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np

from assistant.answers.base import AnswerBackend, DraftStream, GenerationRequest, top_passages
from assistant.answers.composer import ComposerBackend
from assistant.answers.registry import BACKENDS, make_backend
from assistant.errors import ConfigurationError
from assistant.settings import Settings
from assistant.types import Draft, Retrieval, Signals, Style

logger = logging.getLogger(__name__)


class AnswerGenerator:
    """Drafts an answer from the retrieved passages in the chosen style.

    ``run()`` returns the :class:`~assistant.types.Draft`. ``stream()`` returns a :class:`DraftStream`:
    iterate it for ``str`` deltas; once exhausted, its ``.draft`` is the Draft (the stage keeps no per-call
    state, so one generator serves many turns at once).
    Out-of-scope retrievals always get the composer's vetted "what I can help with" reply, whatever the
    backend.
    A failing backend raises :class:`~assistant.errors.GenerationError`; fall back to
    ``AnswerGenerator(settings, backend="composer")``.

    >>> from assistant.answers.kbview import load_articles, oracle_retrieval
    >>> from assistant.settings import Settings
    >>> from assistant.answers.base import make_signals
    >>> from assistant.types import Style
    >>> settings = Settings()
    >>> retrieval = oracle_retrieval(load_articles(settings.kb_dir)[:1])
    >>> signals = make_signals(literacy="intermediate")
    >>> style = Style(tone="neutral", register="standard", target_grade=9, length="medium")
    >>> generator = AnswerGenerator(settings, backend="composer")
    >>> generator.warm_up()
    >>> stream = generator.stream(query="help", style=style, retrieval=retrieval, signals=signals)
    >>> text = "".join(stream)
    >>> stream.draft.text == text
    True
    """

    def __init__(self, settings: Settings, backend: str | None = None) -> None:
        name = backend or settings.generator
        if name not in BACKENDS:
            raise ConfigurationError(f"unknown generator {name!r}; choose one of {', '.join(BACKENDS)}")
        self._settings = settings
        self.name = name
        self._backend: AnswerBackend | None = None
        self._composer: ComposerBackend | None = None

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def backend(self) -> AnswerBackend:
        if self._backend is None:
            self._backend = make_backend(self.name, self._settings)
        return self._backend

    @property
    def composer(self) -> ComposerBackend:
        if self._composer is None:
            backend = self.backend
            self._composer = backend if isinstance(backend, ComposerBackend) else ComposerBackend(self._settings)
        return self._composer

    def warm_up(self) -> None:
        self.composer.warm_up()
        self.backend.warm_up()

    def stream(
        self,
        *,
        query: str,
        style: Style,
        retrieval: Retrieval,
        signals: Signals,
        query_vector: np.ndarray | None = None,
    ) -> DraftStream:
        """Deltas of the answer; the finished Draft (and its stats) is on the returned stream. ``query_vector``:
        the query's vector from the turn's encoder pass, when the caller has it (saves the composer a pass)."""
        request = GenerationRequest(
            query=query, style=style, retrieval=retrieval, signals=signals, query_vector=query_vector
        )
        backend: AnswerBackend = self.backend
        if not retrieval.in_scope or not top_passages(retrieval):
            backend = self.composer
        inner = backend.stream(request)

        def deltas() -> Iterator[str]:
            yield from inner

        def finish(_text: str) -> Draft:
            draft = inner.draft
            outer.stats.update({k: v for k, v in inner.stats.items() if k not in ("ttft_s", "total_s", "deltas")})
            logger.debug("draft by %s: %s chars, %s citations", draft.generator, len(draft.text), len(draft.citations))
            return draft

        outer = DraftStream(deltas(), finish)
        return outer

    def run(
        self,
        *,
        query: str,
        style: Style,
        retrieval: Retrieval,
        signals: Signals,
        query_vector: np.ndarray | None = None,
    ) -> Draft:
        return self.stream(
            query=query, style=style, retrieval=retrieval, signals=signals, query_vector=query_vector
        ).collect()
