"""Checks on a draft before it may be shown: grounding and figures, reading level, compliance, offers.

Rules and phrases live in ``prompts/compliance.yaml`` (defined and loaded by :mod:`assistant.answers.compliance`,
importable from here as before); reading-level targets in ``prompts/style_policy.yaml``.

>>> from assistant.settings import Settings
>>> rules = load_compliance_rules(Settings().prompts_dir)
>>> rules.promises.flag
'outcome_promise'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.answers.compliance import COMPLIANCE_FILE, ComplianceRules, load_compliance_rules
from assistant.answers.composer import ComposerPrompts
from assistant.answers.policy import StylePolicy
from assistant.answers.sentence_vectors import EmbeddingCache
from assistant.answers.text import (
    SentenceUnit,
    clean_markdown,
    content_words,
    extract_figures,
    figure_atoms,
    figures_as_written,
    iter_units,
    join_units,
    readable_text,
    split_sentences,
    split_units,
)
from assistant.integrations.encoder import TextEncoder
from assistant.integrations.readability import fk_grade
from assistant.prompts import render
from assistant.types import Draft, Passage, Retrieval, Signals, Style, Verdict

logger = logging.getLogger(__name__)

_SLOT = "xslotx"  # stands for a template variable while a fixed sentence becomes a pattern


def normalise(text: str) -> str:
    return " ".join(clean_markdown(text).lower().split()).strip(" -")


def _matches(patterns: Iterable[re.Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


@dataclass(frozen=True)
class SentenceCheck:
    """Why one sentence was kept or dropped (for evaluation and debugging)."""

    text: str
    supported: bool
    cosine: float
    overlap: float
    invented: tuple[str, ...] = ()
    exempt: bool = False


class DraftChecker:
    """Runs checks (a)-(d) on one draft. Built by :class:`~assistant.stages.ground.AnswerChecker`."""

    def __init__(
        self,
        rules: ComplianceRules,
        policy: StylePolicy,
        composer: ComposerPrompts,
        encoder: TextEncoder,
        fact_values: Iterable[str],
        grounding_threshold: float,
        vectors_file: Path | None = None,
    ) -> None:
        self.rules = rules
        self.policy = policy
        self.composer = composer
        self.encoder = encoder
        self.grounding_threshold = grounding_threshold
        flags = re.IGNORECASE
        self._phatic = [re.compile(p, flags) for p in rules.grounding.phatic_patterns]
        self._advice = [(r, [re.compile(p, flags) for p in r.patterns]) for r in rules.advice.values()]
        self._promises = [re.compile(p, flags) for p in rules.promises.patterns]
        self._offers = [re.compile(p, flags) for p in rules.offers.patterns]
        fixed = [*composer.fixed_sentences(), *(r.replacement for r in rules.advice.values())]
        self._fixed = {normalise(s) for text in fixed for s in split_sentences(" ".join(text.split()))}
        self._fixed_patterns = [
            re.compile(re.escape(normalise(s)).replace(_SLOT, ".+?"))
            for text in composer.fixed_templates()
            for s in split_sentences(" ".join(text.replace("{organisation}", _SLOT).split()))
        ]
        self._replacements = {normalise(r.replacement) for r in rules.advice.values()}
        self._fact_keys: set[str] = set()
        for value in fact_values:
            self._fact_keys |= extract_figures(value)
        # sentence -> embedding (passages repeat); the knowledge base's from the file `attune ingest` writes
        self._vectors = EmbeddingCache(encoder, source=vectors_file)

    def warm_up(self) -> None:
        """Load the sentence vectors written by ingest (when there are any) and the encoder."""
        self._vectors.refresh(force=True)
        self.encoder.encode(["warm up"])

    # -- helpers also used by the evaluation
    def invented_figures(self, text: str, retrieval: Retrieval) -> list[str]:
        """Figures in ``text`` found neither in the retrieved passages nor in the facts files, as ``text`` writes
        them ("£3,000", "4.2%"; not the canonical keys)."""
        allowed = set(self._fact_keys)
        for sentence in _passage_sentences(retrieval.passages):
            allowed |= extract_figures(sentence)
        atoms = figure_atoms(allowed)
        shown = figures_as_written(text)
        return [shown[k] for k in sorted(shown) if k not in allowed and not (k.startswith("#") and k in atoms)]

    def offer_sentences(self, text: str, retrieval: Retrieval, offers: Iterable[str] = ()) -> list[str]:
        """Sentences of ``text`` promoting a product: composer offers, or offer phrasing not from the KB."""
        kb = {normalise(s) for s in _passage_sentences(retrieval.passages)}
        known = {normalise(s) for o in [*offers, *self.composer.offers.values()] for s in split_sentences(o)}
        out = []
        for unit in iter_units(split_units(text)):
            norm = normalise(unit.clean)
            if norm in known or (norm not in kb and _matches(self._offers, unit.clean)):
                out.append(unit.clean)
        return out

    # -- the checks
    def check(self, draft: Draft, retrieval: Retrieval, style: Style, signals: Signals) -> Verdict:
        return self.check_sentences(draft, retrieval, style, signals)[0]

    def check_sentences(
        self, draft: Draft, retrieval: Retrieval, style: Style, signals: Signals
    ) -> tuple[Verdict, tuple[SentenceCheck, ...]]:
        """The verdict and the per-sentence grounding results behind it (nothing is kept on ``self``)."""
        sentence_checks: list[SentenceCheck] = []
        lines = split_units(draft.text)
        units = [u for u in iter_units(lines) if u.clean and not u.structural]
        cited_keys = {(c.article_id, c.section) for c in draft.citations}
        cited = [p for p in retrieval.passages if (p.article_id, p.section) in cited_keys]
        cited_articles = {c.article_id for c in draft.citations}

        source_sentences = _passage_sentences(retrieval.passages)
        kb_verbatim = {normalise(s) for s in source_sentences}
        cited_sentences = _passage_sentences(cited)
        cited_verbatim = {normalise(s) for s in cited_sentences}
        for passage in retrieval.passages:  # the risk wording as the composer and this checker present it
            if passage.risk_warning:
                line = render(self.composer.risk_line, warning=passage.risk_warning)
                sentences = {normalise(s) for s in split_sentences(" ".join(line.split()))}
                kb_verbatim |= sentences
                if passage.article_id in cited_articles:
                    cited_verbatim |= sentences

        # (d) offers
        offers_removed: list[str] = []
        suppress = (not style.allow_offers) or signals.distress != "none" or "resilience" in signals.vulnerability
        draft_offers = {normalise(s) for offer in draft.offers for s in split_sentences(offer)}
        offer_units: set[int] = set()
        for unit in units:
            norm = normalise(unit.clean)
            is_offer = norm in draft_offers or (norm not in kb_verbatim and _matches(self._offers, unit.clean))
            if not is_offer:
                continue
            if suppress:
                unit.keep = False
                offers_removed.append(unit.clean)
            elif norm in draft_offers:
                offer_units.add(id(unit))

        # (c) compliance: personalised advice and promises
        flags: list[str] = []
        replaced: set[int] = set()
        for unit in units:
            if not unit.keep:
                continue
            for rule, patterns in self._advice:
                if _matches(patterns, unit.clean):
                    if rule.flag in flags:
                        unit.keep = False
                    else:
                        unit.text = unit.clean = " ".join(rule.replacement.split())
                        replaced.add(id(unit))
                        flags.append(rule.flag)
                    break
            if (
                unit.keep
                and id(unit) not in replaced
                and normalise(unit.clean) not in kb_verbatim  # the KB's own words may warn about promises
                and _matches(self._promises, unit.clean)
            ):
                unit.keep = False
                if self.rules.promises.flag not in flags:
                    flags.append(self.rules.promises.flag)

        # (a) grounding and figures
        allowed_keys = set(self._fact_keys)
        for text in source_sentences:
            allowed_keys |= extract_figures(text)
        allowed_atoms = figure_atoms(allowed_keys)
        graded = [
            u for u in units if u.keep and id(u) not in replaced and id(u) not in offer_units and not self._exempt(u)
        ]
        checks = self._support(graded, cited, cited_sentences, cited_verbatim)
        dropped: list[str] = []
        invented: list[str] = []
        supported = 0
        for unit, check in zip(graded, checks, strict=True):
            bad_figures = tuple(
                k
                for k in sorted(extract_figures(unit.clean))
                if k not in allowed_keys and not (k.startswith("#") and k in allowed_atoms)
            )
            ok = check.supported and not bad_figures
            sentence_checks.append(SentenceCheck(unit.clean, ok, check.cosine, check.overlap, bad_figures))
            if ok:
                supported += 1
            else:
                unit.keep = False
                dropped.append(unit.clean)
                invented.extend(bad_figures)

        text = join_units(lines)

        # (c) required risk wording
        warnings = []
        for passage in retrieval.passages:
            if passage.article_id in cited_articles and passage.risk_warning and passage.risk_warning not in warnings:
                warnings.append(passage.risk_warning)
        for warning in warnings:
            if normalise(warning) not in normalise(text):
                line = render(self.composer.risk_line, warning=warning)
                text = f"{text}\n\n{line}" if text else line
                flags.append(self.rules.risk_warning.flag)

        # (b) reading level
        grade = reading_grade(text)
        tolerance = self.policy.tolerance_for(style.register)
        reading_ok = bool(text) and grade <= style.target_grade + tolerance

        if graded:
            score = supported / len(graded)
        else:
            score = 1.0 if (not retrieval.in_scope and text) else 0.0
        passed = bool(text.strip()) and score >= self.grounding_threshold
        verdict = Verdict(
            text=text,
            grounding_score=round(score, 4),
            reading_grade=round(grade, 2),
            target_grade=style.target_grade,
            passed=passed,
            reading_ok=reading_ok,
            dropped_sentences=tuple(dropped),
            invented_figures=tuple(dict.fromkeys(invented)),
            compliance_flags=tuple(flags),
            offers_removed=tuple(offers_removed),
        )
        return verdict, tuple(sentence_checks)

    def _exempt(self, unit: SentenceUnit) -> bool:
        norm = normalise(unit.clean)
        if norm in self._fixed or any(p.fullmatch(norm) for p in self._fixed_patterns):
            return True
        return _matches(self._phatic, unit.clean) and not extract_figures(unit.clean)

    def _support(
        self,
        units: Sequence[SentenceUnit],
        cited: Sequence[Passage],
        cited_sentences: Sequence[str],
        cited_verbatim: set[str],
    ) -> list[SentenceCheck]:
        if not units:
            return []
        if not cited:
            return [SentenceCheck(u.clean, False, 0.0, 0.0) for u in units]
        vocabulary: set[str] = set()
        for passage in cited:
            vocabulary |= content_words(passage.title + "\n" + passage.text)
        windows = support_windows(cited_sentences)
        todo = [u for u in units if normalise(u.clean) not in cited_verbatim]
        cos_by_text: dict[str, float] = {}
        if todo:
            answer_vectors = self._vectors.embed([u.clean for u in todo])
            source_vectors = self._vectors.embed(windows)
            sims = answer_vectors @ source_vectors.T
            for unit, row in zip(todo, sims, strict=True):
                cos_by_text[unit.clean] = float(row.max()) if row.size else 0.0
        out = []
        g = self.rules.grounding
        for unit in units:
            if normalise(unit.clean) in cited_verbatim:
                out.append(SentenceCheck(unit.clean, True, 1.0, 1.0))
                continue
            words = content_words(unit.clean)
            overlap = len(words & vocabulary) / len(words) if words else 1.0
            cosine = cos_by_text[unit.clean]
            out.append(SentenceCheck(unit.clean, cosine >= g.min_cosine and overlap >= g.min_overlap, cosine, overlap))
        return out


def support_windows(sentences: Sequence[str]) -> list[str]:
    """What an answer sentence is compared with: each cited sentence, and each with the next."""
    return list(sentences) + [f"{a} {b}" for a, b in zip(sentences, sentences[1:], strict=False)]


def cited_windows(passages: Iterable[Passage]) -> list[str]:
    """The :func:`support_windows` of ``passages`` when they are cited (for the vectors ingest writes ahead)."""
    return support_windows(_passage_sentences(passages))


def _passage_sentences(passages: Iterable[Passage]) -> list[str]:
    out: list[str] = []
    for passage in passages:
        out.extend(_sentences_of(passage.text, passage.risk_warning))
    return list(dict.fromkeys(out))


@lru_cache(maxsize=8192)
def _sentences_of(text: str, risk_warning: str | None) -> tuple[str, ...]:
    """One passage's sentences (memoised: the same knowledge-base passages are retrieved turn after turn)."""
    out = [u.clean for u in iter_units(split_units(text)) if u.clean and not u.structural]
    if risk_warning:
        out.extend(split_sentences(risk_warning))
    return tuple(out)


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade of ``text`` (Markdown removed, one sentence per unit); 0 if empty.

    The same measure as the knowledge-base linter (textstat with the offline CMU dictionary).
    """
    prose = readable_text(text)
    if not prose.strip():
        return 0.0
    return fk_grade(prose)


__all__ = [  # the compliance rules are defined in assistant.answers.compliance; imported from here as before
    "COMPLIANCE_FILE",
    "ComplianceRules",
    "DraftChecker",
    "SentenceCheck",
    "load_compliance_rules",
    "normalise",
    "reading_grade",
]
