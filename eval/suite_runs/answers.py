"""The answers suite: every query answered at each literacy level and checked (reading grade, grounding,
invented figures, fallbacks); and the detector of product offers in a reply's text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from assistant.errors import GenerationError
from assistant.types import LITERACY_LEVELS, LiteracyLevel, Signals
from eval import metrics as M
from eval.config import SuiteConfig
from eval.formats import LabelledText
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.common import REGISTERS, rounded


def _neutral_signals(literacy: LiteracyLevel) -> Signals:
    """A calm customer of the given literacy: isolates the register choice from every other signal."""
    return Signals(
        sentiment="neutral",
        sentiment_score=0.0,
        sentiment_probs={"neutral": 1.0},
        distress="none",
        distress_probs={"none": 1.0},
        vulnerability=(),
        vulnerability_probs={},
        handoff_requested=False,
        handoff_prob=0.0,
        literacy=literacy,
        literacy_confidence=0.9,
        literacy_message=literacy,
        literacy_probs={literacy: 0.9},
        cues={},
        model_version="eval-fixed",
    )


def run_answers(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    ds = datasets["queries"]
    items: list[LabelledText] = ctx.slice(ds.items, cfg.cap(ctx.fast), key=lambda x: x.label)
    res.datasets.append(ds.info(len(items)))
    levels: list[LiteracyLevel] = list(cfg.options.get("literacy_levels", LITERACY_LEVELS))
    style_stage, retriever = ctx.stage("style"), ctx.stage("retrieve")
    generator, fallback, checker = ctx.stage("generate"), ctx.stage("fallback"), ctx.stage("check")
    encoded = ctx.encode([x.text for x in items])
    jobs = [(item, enc, level) for item, enc in zip(items, encoded, strict=True) for level in levels]
    skipped = 0
    for item, enc, level in ctx.track(jobs, "answers: generate and check"):
        signals = _neutral_signals(level)
        style = style_stage.run(signals=signals, channel="widget")
        ctx.note_version("style_policy", style.policy_version)
        retrieval = retriever.run(encoded=enc)
        if not retrieval.in_scope:
            skipped += 1
            res.cases.append(
                {
                    "role": "queries",
                    "id": f"{item.id}:{level}",
                    "literacy": level,
                    "in_scope": False,
                    "text": item.text,
                }
            )
            continue
        fell_back = False
        draft, verdict = None, None
        try:
            draft = generator.run(query=item.text, style=style, retrieval=retrieval, signals=signals)
            verdict = checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
        except GenerationError:
            if getattr(generator, "name", "composer") == "composer":
                raise
        if (verdict is None or not verdict.passed) and getattr(generator, "name", "composer") != "composer":
            # the pipeline's rule: a failed draft from a language model is redone by the composer
            draft = fallback.run(query=item.text, style=style, retrieval=retrieval, signals=signals)
            verdict = checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
            fell_back = True
        assert draft is not None and verdict is not None
        res.cases.append(
            {
                "role": "queries",
                "id": f"{item.id}:{level}",
                "text": item.text,
                "gold": item.label,
                "literacy": level,
                "in_scope": True,
                "register": style.register,
                "target_grade": style.target_grade,
                "reading_grade": rounded(verdict.reading_grade, 2),
                "reading_ok": verdict.reading_ok,
                "grounding_score": rounded(verdict.grounding_score),
                "passed": verdict.passed,
                "invented_figures": list(verdict.invented_figures),
                "dropped_sentences": len(verdict.dropped_sentences),
                "fallback": fell_back or verdict.fallback is not None,
                "generator": draft.generator,
                "citations": [c.article_id for c in draft.citations],
                "answer": verdict.text,
            }
        )
    answered = [c for c in res.cases if c["in_scope"]]
    threshold = ctx.settings.grounding_threshold
    grades: dict[str, list[float]] = {}
    for c in answered:
        grades.setdefault(c["register"], []).append(c["reading_grade"])
    for register in REGISTERS:
        values = grades.get(register, [])
        p = M.percentiles(values, (50, 95))
        res.metrics[f"answers.{register}.grade_p50"] = rounded(p["p50"], 2)
        res.metrics[f"answers.{register}.grade_p95"] = rounded(p["p95"], 2)
        res.metrics[f"answers.{register}.n"] = len(values)
        oks = [c["reading_ok"] for c in answered if c["register"] == register]
        res.metrics[f"answers.{register}.reading_ok_rate"] = rounded(M.mean(oks))
    res.metrics["answers.grounded_rate"] = rounded(M.mean([c["grounding_score"] >= threshold for c in answered]))
    res.metrics["answers.grounding_mean"] = rounded(M.mean([c["grounding_score"] for c in answered]))
    res.metrics["answers.passed_rate"] = rounded(M.mean([c["passed"] for c in answered]))
    res.metrics["answers.invented_figures"] = sum(len(c["invented_figures"]) for c in answered)
    res.metrics["answers.invented_figures_rate"] = rounded(M.mean([bool(c["invented_figures"]) for c in answered]))
    res.metrics["answers.fallback_rate"] = rounded(M.mean([c["fallback"] for c in answered]))
    res.metrics["answers.out_of_scope_rate"] = rounded(M.ratio(skipped, len(jobs)))
    res.metrics["answers.n"] = len(answered)
    res.details["grades_by_register"] = {k: grades.get(k, []) for k in REGISTERS}
    res.details["target_grades"] = {c["register"]: c["target_grade"] for c in answered}


class OfferDetector:
    """Finds product offers in a reply's text: the composer's offer sentences (``prompts/composer.yaml``) and
    offer phrasing (``prompts/compliance.yaml`` ``offers.patterns``), as the answer checker defines them.

    >>> from assistant.settings import Settings
    >>> d = OfferDetector.from_prompts(Settings().prompts_dir)
    >>> d.find("Your card is on its way. Why not open a saver too?")
    ['Why not open a saver too?']
    """

    def __init__(self, sentences: Sequence[str], patterns: Sequence[str]) -> None:
        self._sentences = [" ".join(x.lower().split()) for x in sentences]
        self._patterns = [re.compile(p, re.IGNORECASE) for p in patterns]

    @classmethod
    def from_prompts(cls, prompts_dir: Path) -> OfferDetector:
        from assistant.answers.checks import load_compliance_rules
        from assistant.answers.composer import load_composer_prompts

        offers = load_composer_prompts(prompts_dir).offers.values()
        return cls(list(offers), load_compliance_rules(prompts_dir).offers.patterns)

    def find(self, text: str) -> list[str]:
        from assistant.answers.text import split_sentences

        found = []
        for sentence in split_sentences(text):
            norm = " ".join(sentence.lower().split())
            if any(o in norm or norm in o for o in self._sentences if norm) or any(
                p.search(sentence) for p in self._patterns
            ):
                found.append(sentence)
        return found
