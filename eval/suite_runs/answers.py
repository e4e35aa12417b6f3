"""The answers suite: every query answered at each literacy level and checked (reading grade, grounding,
invented figures, fallbacks); the key-fact questions (does the answer contain, and lead with, the fact the
question asks for); and the detector of product offers in a reply's text."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.answers.kbview import fact_values
from assistant.answers.text import clean_markdown, iter_units, split_units
from assistant.errors import GenerationError
from assistant.stages.generate import AnswerGenerator
from assistant.types import LITERACY_LEVELS, Draft, Encoded, LiteracyLevel, Signals, Verdict
from eval import metrics as M
from eval.config import SuiteConfig
from eval.formats import EvalDataError, KeyFactCase, LabelledText
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
        draft, verdict, fell_back = _answer(generator, fallback, checker, item.text, style, retrieval, signals)
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
    if "key_facts" in datasets:
        run_key_facts(ctx, cfg, datasets["key_facts"], res)


_COMPOSERS = ("composer", "composer_v1")


def _answer(
    generator: Any, fallback: Any, checker: Any, text: str, style: Any, retrieval: Any, signals: Signals
) -> tuple[Draft, Verdict, bool]:
    """Draft and check one answer with the pipeline's rule: a failed draft (or a failure) of a language model is
    redone by the composer."""
    fell_back = False
    draft, verdict = None, None
    name = getattr(generator, "name", "composer")
    try:
        draft = generator.run(query=text, style=style, retrieval=retrieval, signals=signals)
        verdict = checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
    except GenerationError:
        if name in _COMPOSERS:
            raise
    if (verdict is None or not verdict.passed) and name not in _COMPOSERS:
        draft = fallback.run(query=text, style=style, retrieval=retrieval, signals=signals)
        verdict = checker.run(draft=draft, retrieval=retrieval, style=style, signals=signals)
        fell_back = True
    assert draft is not None and verdict is not None
    return draft, verdict, fell_back


# ---------------------------------------------------------------------------------------------- key facts

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def fact_norm(text: str) -> str:
    """Lower case, Markdown and curly quotes removed, whitespace collapsed: how key facts are matched."""
    return " ".join(clean_markdown(text).translate(_QUOTES).lower().split())


def first_sentence(text: str) -> str:
    """The first sentence of an answer (list labels and headings skipped)."""
    for unit in iter_units(split_units(text)):
        if unit.clean and not unit.structural:
            return unit.clean
    return ""


def answer_words(text: str) -> int:
    return len(clean_markdown(text).split())


def score_key_fact(case: KeyFactCase, answer: str, facts: dict[str, str]) -> dict[str, Any]:
    """Whether ``answer`` contains the needed fact (every ``must_contain`` fact's value as the knowledge base
    writes it, or, for a question naming no fact, every ``must_contain_text`` statement), leads with it (one of
    them in the first sentence), and names a ``must_not_contain`` neighbour (whose value differs from the
    needed ones)."""
    text = fact_norm(answer)
    first = fact_norm(first_sentence(answer))
    needed = [fact_norm(facts[n]) for n in case.must_contain] or [fact_norm(t) for t in case.must_contain_text]
    statements = [fact_norm(t) for t in case.must_contain_text]
    contains = all(v in text for v in needed)
    neighbours = [n for n in case.must_not_contain if (v := fact_norm(facts[n])) not in needed and v and v in text]
    return {
        "contains": contains,
        "contains_text": all(t in text for t in statements) if statements else None,
        "leads": contains and any(v in first for v in needed),
        "neighbour": bool(neighbours),
        "neighbours": neighbours,
        "words": answer_words(answer),
    }


def run_key_facts(ctx: EvalContext, cfg: SuiteConfig, ds: Dataset, res: SuiteResult) -> None:
    """Each key-fact question answered at its own literacy (-> the style policy's register) by the configured
    generator and by each of ``options.key_facts_compare`` (e.g. ``composer_v1``), then checked."""
    cap = cfg.fast if ctx.fast else cfg.options.get("key_facts_limit")
    cases: list[KeyFactCase] = ctx.slice(ds.items, cap, key=lambda x: x.literacy)
    res.datasets.append(ds.info(len(cases)))
    facts = fact_values(ctx.settings.kb_dir)
    unknown = sorted({n for c in cases for n in (*c.must_contain, *c.must_not_contain)} - set(facts))
    if unknown:
        raise EvalDataError(f"{ds.files[0]}: fact names not in the knowledge base: {', '.join(unknown)}")
    style_stage, retriever = ctx.stage("style"), ctx.stage("retrieve")
    main, fallback, checker = ctx.stage("generate"), ctx.stage("fallback"), ctx.stage("check")
    generators: dict[str, Any] = {"": main}
    for name in cfg.options.get("key_facts_compare", []):
        if name != getattr(main, "name", None):
            extra = AnswerGenerator(ctx.settings, backend=name)
            extra.warm_up()
            generators[name] = extra
    encoded: list[Encoded] = ctx.encode([c.text for c in cases])
    blind = any("blind" in Path(f).parts for f in ds.files)  # cases of a blind set hold ids and scores, no texts
    jobs = [(label, case, enc) for label in generators for case, enc in zip(cases, encoded, strict=True)]
    rows: dict[str, list[dict[str, Any]]] = {label: [] for label in generators}
    for label, case, enc in ctx.track(jobs, "answers: key-fact questions"):
        generator = generators[label]
        signals = _neutral_signals(case.literacy)
        style = style_stage.run(signals=signals, channel="widget")
        retrieval = retriever.run(encoded=enc)
        draft, verdict, fell_back = _answer(generator, fallback, checker, case.text, style, retrieval, signals)
        row = {
            "role": "key_facts",
            "id": f"{case.id}:{label or 'main'}",
            "generator": draft.generator,
            "text": case.text,
            "literacy": case.literacy,
            "asks": case.asks,
            "register": style.register,
            "in_scope": retrieval.in_scope,
            "article": retrieval.article_ids[0] if retrieval.article_ids else None,
            "reading_grade": rounded(verdict.reading_grade, 2),
            "grounding_score": rounded(verdict.grounding_score),
            "invented_figures": list(verdict.invented_figures),
            "fallback": fell_back or verdict.fallback is not None,
            **score_key_fact(case, verdict.text, facts),
            "fact_retrieved": score_key_fact(case, "\n".join(p.text for p in retrieval.passages), facts)["contains"],
            "answered": bool(draft.citations),
            "answer": verdict.text,
        }
        rows[label].append(row)
        res.cases.append({k: v for k, v in row.items() if k not in _BLIND_FIELDS} if blind else row)
    for label, found in rows.items():
        prefix = "answers.keyfacts" + (f".{label}" if label else "")
        res.metrics.update(key_fact_metrics(found, prefix, ctx.settings.grounding_threshold))
        res.details[f"{prefix}.by_asks"] = _by_asks(found)


_BLIND_FIELDS = frozenset({"text", "answer"})


def key_fact_metrics(rows: Sequence[dict[str, Any]], prefix: str, threshold: float) -> dict[str, Any]:
    """The key-fact figures of scored rows (see :func:`score_key_fact`), keyed ``<prefix>.<metric>``."""
    out: dict[str, Any] = {
        f"{prefix}.n": len(rows),
        f"{prefix}.contains_rate": rounded(M.mean([r["contains"] for r in rows])),
        f"{prefix}.contains_text_rate": rounded(
            M.mean([r["contains_text"] for r in rows if r["contains_text"] is not None])
        ),
        f"{prefix}.leads_rate": rounded(M.mean([r["leads"] for r in rows])),
        f"{prefix}.neighbour_rate": rounded(M.mean([r["neighbour"] for r in rows])),
        f"{prefix}.grounded_rate": rounded(M.mean([r["grounding_score"] >= threshold for r in rows])),
        f"{prefix}.invented_figures": sum(len(r["invented_figures"]) for r in rows),
        f"{prefix}.fallback_rate": rounded(M.mean([r["fallback"] for r in rows])),
        f"{prefix}.out_of_scope_rate": rounded(M.mean([not r["in_scope"] for r in rows])),
        # how often the retriever brought the needed fact at all (the ceiling of contains_rate), and how often the
        # reply answered from the knowledge base rather than saying what it can help with
        f"{prefix}.fact_retrieved_rate": rounded(M.mean([r.get("fact_retrieved", False) for r in rows])),
        f"{prefix}.answered_rate": rounded(M.mean([r.get("answered", True) for r in rows])),
    }
    for register in REGISTERS:
        mine = [r for r in rows if r["register"] == register]
        words = [r["words"] for r in mine]
        out[f"{prefix}.{register}.n"] = len(mine)
        out[f"{prefix}.{register}.words_p50"] = rounded(statistics.median(words), 1) if words else None
        out[f"{prefix}.{register}.contains_rate"] = rounded(M.mean([r["contains"] for r in mine]))
        out[f"{prefix}.{register}.leads_rate"] = rounded(M.mean([r["leads"] for r in mine]))
        grades = M.percentiles([r["reading_grade"] for r in mine], (50, 95))
        out[f"{prefix}.{register}.grade_p50"] = rounded(grades["p50"], 2)
        out[f"{prefix}.{register}.grade_p95"] = rounded(grades["p95"], 2)
    return out


def _by_asks(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for asks in sorted({r["asks"] for r in rows}):
        mine = [r for r in rows if r["asks"] == asks]
        out[asks] = {
            "n": len(mine),
            "contains_rate": rounded(M.mean([r["contains"] for r in mine])),
            "leads_rate": rounded(M.mean([r["leads"] for r in mine])),
        }
    return out


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
