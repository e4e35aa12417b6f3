"""Measure the answer stages: reading grade per register over every KB article, grounding and invented
figures over ``data/answers/questions.jsonl``, novice-vs-expert contrast, offers shown to distressed
customers, fallback rate, and time to first token / tokens per second of the local model.

Run: ``python -m assistant.answers.evaluate [--generators composer,local] [--local-samples 5] [--out FILE]``.
Retrieval is an oracle here (each question's expected article, best first) so the figures measure generation
and checking only; retrieval quality is measured by the retrieval evaluation.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.answers.base import make_signals
from assistant.answers.kbview import ArticleView, load_articles, oracle_retrieval
from assistant.answers.text import STOPWORDS, extract_figures, stem
from assistant.integrations.encoder import TextEncoder
from assistant.pipeline import AnswerFlow
from assistant.settings import PROJECT_ROOT, Settings
from assistant.stages.generate import AnswerGenerator
from assistant.stages.ground import AnswerChecker
from assistant.stages.style import StyleSelector
from assistant.types import Channel, DistressLevel, LiteracyLevel, SentimentLabel, VulnerabilityDriver

logger = logging.getLogger(__name__)

DEFAULT_QUESTIONS = PROJECT_ROOT / "data" / "answers" / "questions.jsonl"
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,}(?:-[A-Z0-9]+)*\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]+")


@dataclass(frozen=True)
class QuestionItem:
    """One evaluation question: the customer's words, the article answering it, how they come across."""

    id: str
    question: str
    article_id: str
    literacy: LiteracyLevel = "intermediate"
    sentiment: SentimentLabel = "neutral"
    distress: DistressLevel = "none"
    vulnerability: tuple[VulnerabilityDriver, ...] = ()


def load_questions(path: Path = DEFAULT_QUESTIONS) -> list[QuestionItem]:
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            raw["vulnerability"] = tuple(raw.get("vulnerability") or ())
            items.append(QuestionItem(**raw))
    return items


def precise_terms(article: ArticleView) -> set[str]:
    """Terms of the article's technical layer that its plain layer (and risk warning) never uses: acronyms and
    long words (10+ letters)."""
    technical = article.sections.get("For the technically minded", "")
    plain = article.sections.get("In short", "") + " " + (article.risk_warning or "")
    plain_words = {stem(w.lower()) for w in _WORD.findall(plain)}
    terms = {a for a in _ACRONYM.findall(technical) if a not in _ACRONYM.findall(plain)}
    for word in _WORD.findall(technical):
        low = word.lower()
        if len(low) >= 10 and low not in STOPWORDS and stem(low) not in plain_words:
            terms.add(low)
    return terms


def term_coverage(text: str, terms: set[str]) -> float:
    if not terms:
        return 1.0
    low = text.lower()
    found = sum(1 for t in terms if (t in text if t.isupper() else t in low))
    return found / len(terms)


def _summary(values: Sequence[float], digits: int = 2) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
        "min": round(min(values), digits),
    }


class _Harness:
    def __init__(self, settings: Settings, encoder: TextEncoder | None) -> None:
        self.settings = settings
        self.selector = StyleSelector(settings)
        self.checker = AnswerChecker(settings, encoder=encoder)
        self.generators: dict[str, AnswerGenerator] = {}

    def generator(self, name: str) -> AnswerGenerator:
        if name not in self.generators:
            self.generators[name] = AnswerGenerator(self.settings, backend=name)
        return self.generators[name]

    def style(self, item: QuestionItem, literacy: LiteracyLevel | None = None, channel: Channel = "widget") -> Any:
        signals = self.signals(item, literacy)
        return self.selector.run(signals=signals, channel=channel), signals

    @staticmethod
    def signals(item: QuestionItem, literacy: LiteracyLevel | None = None) -> Any:
        return make_signals(
            sentiment=item.sentiment,
            distress=item.distress,
            vulnerability=item.vulnerability,
            literacy=literacy or item.literacy,
            literacy_confidence=0.8,
        )


def _reading(h: _Harness, articles: list[ArticleView], progress: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    grades: dict[str, list[float]] = {"plain": [], "standard": [], "technical": []}
    reading_ok: dict[str, list[bool]] = {k: [] for k in grades}
    coverage: dict[str, list[float]] = {k: [] for k in grades}
    worst: dict[str, tuple[float, str]] = {}
    composer = h.generator("composer")
    for article in tqdm(articles, desc="reading grade per article", disable=not progress):
        retrieval = oracle_retrieval([article])
        terms = precise_terms(article)
        query = article.questions[0] if article.questions else article.title
        for literacy in ("novice", "intermediate", "expert"):
            item = QuestionItem(id=article.id, question=query, article_id=article.id, literacy=literacy)
            style, signals = h.style(item)
            draft = composer.run(query=query, style=style, retrieval=retrieval, signals=signals)
            verdict = h.checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
            grades[style.register].append(verdict.reading_grade)
            reading_ok[style.register].append(verdict.reading_ok)
            coverage[style.register].append(term_coverage(verdict.text, terms))
            if verdict.reading_grade > worst.get(style.register, (-1.0, ""))[0]:
                worst[style.register] = (verdict.reading_grade, article.id)
    reading = {}
    for register, values in grades.items():
        entry: dict[str, Any] = _summary(values)
        entry["share_grade_le_7"] = round(sum(v <= 7 for v in values) / len(values), 4) if values else None
        entry["share_reading_ok"] = round(sum(reading_ok[register]) / len(values), 4) if values else None
        entry["hardest_article"] = worst.get(register, (0.0, ""))[1]
        reading[register] = entry
    terms_out = {k: round(statistics.fmean(v), 4) if v else None for k, v in coverage.items()}
    return reading, terms_out


def _contrast(h: _Harness, items: list[QuestionItem], articles: dict[str, ArticleView]) -> dict[str, Any]:
    composer = h.generator("composer")
    gaps, novice_grades, expert_grades, same_source, shared_figures, more_terms = [], [], [], [], [], []
    for item in items:
        article = articles[item.article_id]
        retrieval = oracle_retrieval([article])
        answers = {}
        for literacy in ("novice", "expert"):
            calm = QuestionItem(item.id, item.question, item.article_id, literacy)
            style, signals = h.style(calm)
            draft = composer.run(query=item.question, style=style, retrieval=retrieval, signals=signals)
            verdict = h.checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
            answers[literacy] = (draft, verdict)
        (nd, nv), (ed, ev) = answers["novice"], answers["expert"]
        novice_grades.append(nv.reading_grade)
        expert_grades.append(ev.reading_grade)
        gaps.append(ev.reading_grade - nv.reading_grade)
        same_source.append({c.article_id for c in nd.citations} == {c.article_id for c in ed.citations})
        nf, ef = extract_figures(nv.text), extract_figures(ev.text)
        article_figures = set().union(*(extract_figures(t) for t in article.sections.values()))
        shared_figures.append(nf <= article_figures and ef <= article_figures)
        terms = precise_terms(article)
        more_terms.append(term_coverage(ev.text, terms) > term_coverage(nv.text, terms) or not terms)
    n = len(items)
    return {
        "questions": n,
        "mean_grade_novice": round(statistics.fmean(novice_grades), 2),
        "mean_grade_expert": round(statistics.fmean(expert_grades), 2),
        "mean_grade_gap": round(statistics.fmean(gaps), 2),
        "share_expert_harder": round(sum(g > 0 for g in gaps) / n, 4),
        "share_same_source_article": round(sum(same_source) / n, 4),
        "share_figures_from_same_facts": round(sum(shared_figures) / n, 4),
        "share_expert_more_precise_terms": round(sum(more_terms) / n, 4),
    }


def _generator_run(
    h: _Harness, name: str, items: list[QuestionItem], articles: dict[str, ArticleView], progress: bool
) -> dict[str, Any]:
    generator = h.generator(name)
    started = time.perf_counter()
    generator.warm_up()  # model loading is reported apart from time to first token
    warm_up_s = time.perf_counter() - started
    flow = AnswerFlow(generator, h.checker, composer=h.generator("composer"))
    sentences = supported = invented = errors = fallbacks = rewrites = passed = 0
    flags: dict[str, int] = {}
    offers_to_distressed = 0
    distressed = 0
    shown_invented = 0
    ttft, tps, total = [], [], []
    for item in tqdm(items, desc=f"answers by {name}", disable=not progress):
        article = articles[item.article_id]
        retrieval = oracle_retrieval([article])
        style, signals = h.style(item)
        result = flow.run(query=item.question, style=style, retrieval=retrieval, signals=signals)
        first = result.attempts[0]  # what the generator itself wrote, before any fallback or rewrite
        if first.error is not None:
            errors += 1
        else:
            sentences += first.graded_sentences
            supported += first.supported_sentences
            invented += first.invented_figures
            if "ttft_s" in first.stats:
                ttft.append(first.stats["ttft_s"])
                total.append(first.stats.get("total_s", 0.0))
            if first.stats.get("tokens") and first.stats.get("generate_s"):
                tps.append(first.stats["tokens"] / first.stats["generate_s"])
        if name != "composer" and first.draft is not None and progress:
            logger.info("%s draft for %s: %r", name, item.id, first.draft.text[:200])
        final = result.verdict
        passed += final.passed
        fallbacks += final.fallback is not None
        rewrites += final.rewrites
        for flag in final.compliance_flags:
            flags[flag] = flags.get(flag, 0) + 1
        shown_invented += len(h.checker.checker.invented_figures(final.text, retrieval))
        if item.distress != "none" or "resilience" in item.vulnerability:
            distressed += 1
            offers_to_distressed += bool(h.checker.checker.offer_sentences(final.text, retrieval, result.draft.offers))
    n = len(items)
    out: dict[str, Any] = {
        "questions": n,
        "warm_up_s": round(warm_up_s, 2),
        "draft_sentences": sentences,
        "draft_supported_sentences": supported,
        "draft_grounding_rate": round(supported / sentences, 4) if sentences else None,
        "draft_invented_figures": invented,
        "shown_invented_figures": shown_invented,
        "generation_errors": errors,
        "fallback_rate": round(fallbacks / n, 4) if n else None,
        "passed_share": round(passed / n, 4) if n else None,
        "rewrites": rewrites,
        "compliance_flags": flags,
        "distressed_questions": distressed,
        "offers_shown_to_distressed": offers_to_distressed,
    }
    if ttft:
        out["ttft_s"] = _summary(ttft, 4)
        out["total_s"] = _summary(total, 4)
    if tps:
        out["tokens_per_s"] = _summary(tps)
    return out


def _offers_sweep(h: _Harness, articles: list[ArticleView]) -> dict[str, int]:
    """Every article answered for a calm customer and for distressed / resilience-vulnerable ones."""
    composer = h.generator("composer")
    flow = AnswerFlow(composer, h.checker)
    shown_calm = shown_distressed = 0
    for article in articles:
        retrieval = oracle_retrieval([article])
        cases: tuple[tuple[DistressLevel, tuple[VulnerabilityDriver, ...]], ...] = (
            ("none", ()),
            ("mild", ()),
            ("high", ()),
            ("none", ("resilience",)),
        )
        for distress, vulnerability in cases:
            item = QuestionItem(
                article.id, article.title, article.id, "intermediate", "neutral", distress, vulnerability
            )
            style, signals = h.style(item)
            result = flow.run(query=article.title, style=style, retrieval=retrieval, signals=signals)
            shown = bool(h.checker.checker.offer_sentences(result.verdict.text, retrieval, result.draft.offers))
            if distress == "none" and not vulnerability:
                shown_calm += shown
            else:
                shown_distressed += shown
    return {
        "articles": len(articles),
        "offers_shown_calm": shown_calm,
        "offers_shown_distressed": shown_distressed,
    }


def evaluate_answers(
    settings: Settings,
    *,
    questions_path: Path | None = None,
    generators: Sequence[str] = ("composer",),
    local_samples: int = 5,
    encoder: TextEncoder | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """All answer measurements as one JSON-able dict (see the module docstring).

    Every generator answers every question, except ``local``, which answers the first ``local_samples``
    questions only (it is slow on CPU).
    """
    articles = load_articles(settings.kb_dir)
    by_id = {a.id: a for a in articles}
    items = load_questions(questions_path or DEFAULT_QUESTIONS)
    missing = sorted({i.article_id for i in items} - set(by_id))
    if missing:
        logger.warning("questions refer to articles not in the KB, skipped: %s", missing)
    items = [i for i in items if i.article_id in by_id]
    h = _Harness(settings, encoder)
    reading, terms = _reading(h, articles, progress)
    report: dict[str, Any] = {
        "kb_dir": str(settings.kb_dir),
        "articles": len(articles),
        "questions": len(items),
        "questions_skipped_missing_article": missing,
        "reading_grade_by_register": reading,
        "precise_term_coverage_by_register": terms,
        "novice_vs_expert": _contrast(h, items, by_id),
        "offers_sweep": _offers_sweep(h, articles),
        "generators": {},
    }
    for name in generators:
        subset = items[:local_samples] if name == "local" else items
        report["generators"][name] = _generator_run(h, name, subset, by_id, progress)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.answers.evaluate", description=__doc__)
    parser.add_argument("--generators", default="composer", help="comma-separated: composer,openai,local")
    parser.add_argument("--local-samples", type=int, default=5)
    parser.add_argument("--questions", type=Path, default=None)
    parser.add_argument("--kb-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON report here")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings(kb_dir=args.kb_dir) if args.kb_dir else Settings()
    report = evaluate_answers(
        settings,
        questions_path=args.questions,
        generators=[g.strip() for g in args.generators.split(",") if g.strip()],
        local_samples=args.local_samples,
        progress=not args.quiet,
    )
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
