"""Stage: check a draft (grounding, figures, reading level, compliance, offers); say what may be sent."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from assistant.answers.checks import DraftChecker, SentenceCheck, load_compliance_rules
from assistant.answers.composer import load_composer_prompts
from assistant.answers.kbview import fact_values
from assistant.answers.policy import load_style_policy
from assistant.answers.sentence_vectors import VECTORS_FILE
from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.settings import Settings
from assistant.types import Draft, Retrieval, Signals, Style, Verdict


@dataclass(frozen=True)
class CheckedDraft:
    """What one check produced: the :class:`~assistant.types.Verdict` and the per-sentence grounding behind it.

    Returned by :meth:`AnswerChecker.run_detailed` (``checked.sentences`` in the class example there).
    """

    verdict: Verdict
    sentences: tuple[SentenceCheck, ...]

    @property
    def supported_sentences(self) -> int:
        return sum(c.supported for c in self.sentences)

    @property
    def invented_figures(self) -> int:
        return sum(len(c.invented) for c in self.sentences)


class AnswerChecker:
    """Checks a :class:`~assistant.types.Draft` against the retrieved passages and the rules in
    ``prompts/compliance.yaml``; ``Verdict.text`` is what may be sent.

    (a) every sentence must be supported by a cited passage (MiniLM cosine AND content-word overlap) and every
    figure must occur in the passages or the facts files -- unsupported sentences are dropped and
    ``passed`` is False when the supported share is below ``settings.grounding_threshold``; (b) Flesch-Kincaid
    grade vs ``style.target_grade`` plus the register's tolerance -> ``reading_ok``; (c) personalised
    investment/tax/legal advice is replaced by general information, promises of outcomes are removed, the
    article's risk warning is added if missing -> ``compliance_flags``; (d) offers are removed when the
    customer is distressed, has ``resilience`` among the vulnerability drivers, or the style allows none ->
    ``offers_removed``.

    >>> from assistant.answers.kbview import load_articles, oracle_retrieval
    >>> from assistant.settings import Settings
    >>> from assistant.answers.base import make_signals
    >>> from assistant.types import Citation, Draft, Style
    >>> settings = Settings()
    >>> article = load_articles(settings.kb_dir)[0]
    >>> retrieval = oracle_retrieval([article])
    >>> signals = make_signals(literacy="intermediate")
    >>> style = Style(tone="neutral", register="plain", target_grade=6, length="short")
    >>> passage = retrieval.passages[0]
    >>> draft = Draft(text=passage.text + " It costs £999.", citations=(Citation(passage.article_id,
    ...     passage.title, passage.section, passage.score),), generator="test")
    >>> checker = AnswerChecker(settings)
    >>> checker.warm_up()
    >>> verdict = checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
    >>> verdict.invented_figures
    ('£999',)
    >>> checked = checker.run_detailed(draft=draft, retrieval=retrieval, style=style, signals=signals)
    >>> checked.verdict == verdict, checked.invented_figures
    (True, 1)

    The stage keeps no per-call state: one checker serves many turns at once.
    """

    def __init__(self, settings: Settings, encoder: TextEncoder | None = None) -> None:
        self._settings = settings
        self._encoder = encoder
        self._checker: DraftChecker | None = None
        self._lock = threading.Lock()

    @property
    def checker(self) -> DraftChecker:
        with self._lock:
            if self._checker is None:
                s = self._settings
                self._checker = DraftChecker(
                    rules=load_compliance_rules(s.prompts_dir),
                    policy=load_style_policy(s.prompts_dir),
                    composer=load_composer_prompts(s.prompts_dir),
                    encoder=self._encoder or shared_encoder(),
                    fact_values=fact_values(s.kb_dir).values(),
                    grounding_threshold=s.grounding_threshold,
                    vectors_file=s.data_dir / VECTORS_FILE,
                )
            return self._checker

    def warm_up(self) -> None:
        self.checker.warm_up()

    def run(self, *, draft: Draft, retrieval: Retrieval, style: Style, signals: Signals) -> Verdict:
        return self.run_detailed(draft=draft, retrieval=retrieval, style=style, signals=signals).verdict

    def run_detailed(self, *, draft: Draft, retrieval: Retrieval, style: Style, signals: Signals) -> CheckedDraft:
        """The verdict with the per-sentence grounding results (for evaluation and the answer flow's log)."""
        verdict, sentences = self.checker.check_sentences(draft, retrieval, style, signals)
        return CheckedDraft(verdict=verdict, sentences=sentences)
