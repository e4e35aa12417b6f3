"""The suites: each calls the stage or the pipeline directly, records one output per case, and computes its
metrics from those outputs (so every number can be recomputed from ``cases.jsonl``).

Every suite function has the signature ``(ctx, cfg, datasets, res) -> None`` and fills ``res``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError, GenerationError
from assistant.serialize import to_jsonable
from assistant.types import (
    DISTRESS_LEVELS,
    LITERACY_LEVELS,
    SENTIMENTS,
    VULNERABILITY_DRIVERS,
    LiteracyLevel,
    Message,
    Reply,
    Signals,
)
from eval import metrics as M
from eval.config import SuiteConfig
from eval.formats import EXPECT_KEYS, ConversationCase, LabelledText, MultiLabelText
from eval.runner import Dataset, EvalContext, SuiteResult

ESCALATED_STATUSES = frozenset({"escalated", "handed_off"})
REGISTERS = ("plain", "standard", "technical")


def _r(value: float | None, nd: int = 4) -> float | None:
    return None if value is None else round(float(value), nd)


def _put(res: SuiteResult, prefix: str, values: dict[str, Any], keys: Sequence[str] | None = None) -> None:
    """Copy numeric entries of ``values`` into ``res.metrics`` as ``<prefix>.<key>``."""
    for key in keys or list(values):
        value = values.get(key)
        if value is None or isinstance(value, int | float):
            res.metrics[f"{prefix}.{key}"] = value


# ---------------------------------------------------------------------------------------------- retrieval


def _article_intents(ctx: EvalContext) -> dict[str, tuple[str, ...]]:
    from assistant.kb.loader import load_kb

    kb = load_kb(ctx.settings.kb_dir)
    return {a.id: tuple(a.meta.intents) for a in kb.articles}


def run_retrieval(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    ds = datasets["queries"]
    items: list[LabelledText] = ctx.slice(ds.items, cfg.cap(ctx.fast), key=lambda x: x.label)
    res.datasets.append(ds.info(len(items)))
    top_k = int(cfg.options.get("top_k", 10))
    retriever = ctx.stage("retrieve")
    intents_of = _article_intents(ctx)
    covered = {i for intents in intents_of.values() for i in intents}
    encoded = ctx.encode([x.text for x in items])
    ranks: list[int | None] = []
    answered: list[bool] = []
    intent_hits: list[bool] = []
    for item, enc in ctx.track(list(zip(items, encoded, strict=True)), "retrieval: ranking"):
        r = retriever.run(encoded=enc, top_k=top_k)
        rank = next((i + 1 for i, aid in enumerate(r.article_ids) if item.label in intents_of.get(aid, ())), None)
        ranks.append(rank)
        answered.append(bool(r.in_scope and rank == 1))
        if r.intent is not None:
            intent_hits.append(r.intent == item.label)
        res.cases.append(
            {
                "role": "queries",
                "id": item.id,
                "text": item.text,
                "gold": item.label,
                "article_ids": list(r.article_ids),
                "rank": rank,
                "confidence": _r(r.confidence),
                "in_scope": r.in_scope,
                "intent": r.intent,
                "gold_covered": item.label in covered,
            }
        )
    res.metrics.update({f"retrieval.{k}": _r(v) for k, v in M.ranking_metrics(ranks, (1, 3)).items()})
    res.metrics["retrieval.answered_top1"] = _r(M.mean(answered))
    res.metrics["retrieval.in_scope_rate"] = _r(M.mean([c["in_scope"] for c in res.cases]))
    res.metrics["retrieval.intent_accuracy"] = _r(M.mean(intent_hits))
    res.metrics["retrieval.gold_coverage"] = _r(M.mean([c["gold_covered"] for c in res.cases]))
    res.metrics["retrieval.n"] = len(items)
    conf = [c["confidence"] or 0.0 for c in res.cases]
    rel = M.reliability(conf, [c["rank"] == 1 for c in res.cases], int(cfg.options.get("ece_bins", 10)))
    res.metrics["retrieval.confidence_ece"] = _r(rel["ece"])
    res.details["reliability"] = {"confidence vs top-1 correct": rel}
    res.details["side_by_side"] = {"ours": {k: res.metrics[f"retrieval.{k}"] for k in ("top1", "top3", "mrr")}}
    if cfg.options.get("baselines", True):
        _retrieval_baselines(ctx, items, res)


def _retrieval_baselines(ctx: EvalContext, items: Sequence[LabelledText], res: SuiteResult) -> None:
    try:
        from assistant.kb.evaluate import compare_retrievers
    except ImportError as exc:
        res.details["baselines_error"] = f"assistant.kb.evaluate.compare_retrievers unavailable: {exc}"
        return
    from assistant.integrations.encoder import shared_encoder

    with ctx.console.status("retrieval: BM25 and untuned kNN baselines..."):
        table = compare_retrievers(
            [(x.text, x.label) for x in items],
            ctx.settings,
            encoder=shared_encoder(),
            retriever=ctx.stage("retrieve"),
            progress=False,
        )
    res.details["baseline_notes"] = {k: table[k] for k in ("uncovered", "ms_per_query") if k in table}
    for name, values in table.items():
        if not isinstance(values, dict) or name == "ours":
            continue
        row = {k: _r(values.get(k)) for k in ("top1", "top3", "mrr") if isinstance(values.get(k), int | float)}
        res.details["side_by_side"][name] = row
        for k, v in row.items():
            res.metrics[f"retrieval.{name}.{k}"] = v
    if isinstance(table.get("ours"), dict):
        res.details["side_by_side"]["ours (compare_retrievers)"] = {
            k: _r(table["ours"].get(k)) for k in ("top1", "top3", "mrr") if table["ours"].get(k) is not None
        }


# ---------------------------------------------------------------------------------------------- signals


def _classify(ctx: EvalContext, texts: Sequence[str], label: str) -> list[Signals]:
    classifier = ctx.stage("classify")
    out: list[Signals] = []
    for enc in ctx.track(ctx.encode(texts), f"signals: {label}"):
        signals = classifier.run(encoded=enc, history=())
        ctx.note_version("signals", signals.model_version)
        out.append(signals)
    return out


def _sentiment_gold(labels: Sequence[str], mapping: dict[str, str]) -> str | None:
    mapped = {mapping[x] for x in labels if x in mapping}
    polar = mapped - {"neutral"}
    if len(polar) == 1:
        return polar.pop()
    if not polar and "neutral" in mapped:
        return "neutral"
    return None


def _distress_gold(labels: Sequence[str], levels: dict[str, list[str]]) -> str:
    found = set(labels)
    if found & set(levels.get("high", ())):
        return "high"
    if found & set(levels.get("mild", ())):
        return "mild"
    return "none"


def _top_prob(probs: dict[str, float], label: str) -> float:
    return float(probs.get(label, max(probs.values()) if probs else 0.0))


def _vader_labels(texts: Sequence[str]) -> list[str] | None:
    """VADER's positive/neutral/negative per text (compound with the usual +-0.05 cut-offs)."""
    try:
        from assistant.integrations.vader import VaderSentimentAnalyzer
    except ImportError:
        return None
    analyzer = VaderSentimentAnalyzer()
    return [analyzer.score(t).label for t in texts]


def run_signals(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    bins = int(cfg.options.get("ece_bins", 10))
    if "emotions" in datasets:
        _signals_emotions(ctx, cfg, datasets["emotions"], res, bins)
    if "handoff" in datasets:
        _signals_handoff(ctx, cfg, datasets["handoff"], res, bins)
    if "literacy" in datasets:
        _signals_literacy(ctx, cfg, datasets["literacy"], res, bins)


def _signals_emotions(ctx: EvalContext, cfg: SuiteConfig, ds: Dataset, res: SuiteResult, bins: int) -> None:
    smap: dict[str, str] = dict(cfg.options.get("sentiment_map", {}))
    levels: dict[str, list[str]] = dict(cfg.options.get("distress_levels", {}))
    rows: list[MultiLabelText] = ds.items
    gold_s = {r.id: _sentiment_gold(r.labels, smap) for r in rows}
    items = ctx.slice(rows, cfg.cap(ctx.fast), key=lambda r: f"{gold_s[r.id]}|{_distress_gold(r.labels, levels)}")
    res.datasets.append(ds.info(len(items)))
    preds = _classify(ctx, [r.text for r in items], "sentiment and distress")
    vader = _vader_labels([r.text for r in items]) if cfg.options.get("vader", True) else None
    s_gold, s_pred, s_conf, s_hit, v_gold, v_pred = [], [], [], [], [], []
    d_gold, d_pred, d_conf, d_hit = [], [], [], []
    for i, (row, sig) in enumerate(zip(items, preds, strict=True)):
        gs, gd = gold_s[row.id], _distress_gold(row.labels, levels)
        pd = "high" if sig.distress == "crisis" else sig.distress
        case = {
            "role": "emotions",
            "id": row.id,
            "text": row.text,
            "labels": list(row.labels),
            "gold_sentiment": gs,
            "sentiment": sig.sentiment,
            "sentiment_probs": to_jsonable(sig.sentiment_probs),
            "gold_distress": gd,
            "distress": sig.distress,
            "distress_probs": to_jsonable(sig.distress_probs),
            "vader": vader[i] if vader else None,
        }
        res.cases.append(case)
        if gs is not None:
            s_gold.append(gs)
            s_pred.append(sig.sentiment)
            s_conf.append(_top_prob(sig.sentiment_probs, sig.sentiment))
            s_hit.append(gs == sig.sentiment)
            if vader:
                v_gold.append(gs)
                v_pred.append(vader[i])
        d_gold.append(gd)
        d_pred.append(pd)
        d_conf.append(_top_prob(sig.distress_probs, sig.distress))
        d_hit.append(gd == pd)
    rep = M.classification_report(s_gold, s_pred, SENTIMENTS)
    rel = M.reliability(s_conf, s_hit, bins)
    res.metrics["signals.sentiment.macro_f1"] = _r(rep["macro_f1"])
    res.metrics["signals.sentiment.accuracy"] = _r(rep["accuracy"])
    res.metrics["signals.sentiment.ece"] = _r(rel["ece"])
    res.metrics["signals.sentiment.n"] = rep["n"]
    for label, row in rep["per_label"].items():
        _put(res, f"signals.sentiment.{label}", {k: _r(v) for k, v in row.items() if k != "support"})
    res.details.setdefault("confusion", {})["sentiment (GoEmotions dev)"] = rep
    res.details.setdefault("reliability", {})["sentiment (top label)"] = rel
    if vader:
        vrep = M.classification_report(v_gold, v_pred, SENTIMENTS)
        res.metrics["signals.sentiment.vader.macro_f1"] = _r(vrep["macro_f1"])
        res.metrics["signals.sentiment.vader.accuracy"] = _r(vrep["accuracy"])
        res.details["confusion"]["sentiment: VADER baseline"] = vrep
        res.details["side_by_side"] = {
            "sentiment": {
                "ours": {"macro_f1": _r(rep["macro_f1"]), "accuracy": _r(rep["accuracy"])},
                "vader": {"macro_f1": _r(vrep["macro_f1"]), "accuracy": _r(vrep["accuracy"])},
            }
        }
    else:
        res.details["vader_error"] = "assistant.integrations.vader adapter unavailable"
    drep = M.classification_report(d_gold, d_pred, ("none", "mild", "high"))
    res.metrics["signals.distress.macro_f1"] = _r(drep["macro_f1"])
    res.metrics["signals.distress.accuracy"] = _r(drep["accuracy"])
    res.metrics["signals.distress.ece"] = _r(M.reliability(d_conf, d_hit, bins)["ece"])
    brep = M.binary_report([g != "none" for g in d_gold], [p != "none" for p in d_pred])
    _put(res, "signals.distress", {f"binary_{k}": _r(brep[k]) for k in ("precision", "recall", "f1")})
    res.details["confusion"]["distress (GoEmotions dev)"] = drep


def _signals_handoff(ctx: EvalContext, cfg: SuiteConfig, ds: Dataset, res: SuiteResult, bins: int) -> None:
    intent = str(cfg.options.get("handoff_intent", "handoff"))
    items: list[MultiLabelText] = ctx.slice(ds.items, cfg.cap(ctx.fast), key=lambda r: str(intent in r.labels))
    res.datasets.append(ds.info(len(items)))
    preds = _classify(ctx, [r.text for r in items], "handoff")
    gold = [intent in r.labels for r in items]
    pred = [s.handoff_requested for s in preds]
    probs = [float(s.handoff_prob) for s in preds]
    for row, g, s in zip(items, gold, preds, strict=True):
        res.cases.append(
            {
                "role": "handoff",
                "id": row.id,
                "text": row.text,
                "gold": g,
                "handoff_requested": s.handoff_requested,
                "handoff_prob": _r(s.handoff_prob),
            }
        )
    rep = M.binary_report(gold, pred)
    rel = M.reliability(probs, gold, bins)
    _put(res, "signals.handoff", {k: _r(rep[k]) for k in ("precision", "recall", "f1", "accuracy")})
    res.metrics["signals.handoff.ece"] = _r(rel["ece"])
    res.metrics["signals.handoff.n"] = rep["n"]
    res.metrics["signals.handoff.positives"] = sum(gold)
    res.details.setdefault("confusion", {})["handoff (NLU++ held-out folds)"] = {
        "labels": ["other", "handoff"],
        "confusion": rep["confusion"],
        "n": rep["n"],
    }
    res.details.setdefault("reliability", {})["handoff P(yes)"] = rel


def _signals_literacy(ctx: EvalContext, cfg: SuiteConfig, ds: Dataset, res: SuiteResult, bins: int) -> None:
    items: list[LabelledText] = ctx.slice(ds.items, cfg.cap(ctx.fast), key=lambda r: r.label)
    res.datasets.append(ds.info(len(items)))
    preds = _classify(ctx, [r.text for r in items], "literacy")
    gold = [r.label for r in items]
    pred = [s.literacy_message for s in preds]
    for row, s in zip(items, preds, strict=True):
        res.cases.append(
            {
                "role": "literacy",
                "id": row.id,
                "text": row.text,
                "gold": row.label,
                "literacy_message": s.literacy_message,
                "literacy": s.literacy,
                "literacy_probs": to_jsonable(s.literacy_probs),
            }
        )
    rep = M.classification_report(gold, pred, LITERACY_LEVELS)
    conf = [_top_prob(s.literacy_probs, s.literacy_message) for s in preds]
    rel = M.reliability(conf, [g == p for g, p in zip(gold, pred, strict=True)], bins)
    res.metrics["signals.literacy.accuracy"] = _r(rep["accuracy"])
    res.metrics["signals.literacy.macro_f1"] = _r(rep["macro_f1"])
    res.metrics["signals.literacy.ece"] = _r(rel["ece"])
    res.metrics["signals.literacy.n"] = rep["n"]
    res.details.setdefault("confusion", {})["literacy (our dev labels)"] = rep
    res.details.setdefault("reliability", {})["literacy (top label)"] = rel


# ---------------------------------------------------------------------------------------------- answers


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
                "reading_grade": _r(verdict.reading_grade, 2),
                "reading_ok": verdict.reading_ok,
                "grounding_score": _r(verdict.grounding_score),
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
        res.metrics[f"answers.{register}.grade_p50"] = _r(p["p50"], 2)
        res.metrics[f"answers.{register}.grade_p95"] = _r(p["p95"], 2)
        res.metrics[f"answers.{register}.n"] = len(values)
        oks = [c["reading_ok"] for c in answered if c["register"] == register]
        res.metrics[f"answers.{register}.reading_ok_rate"] = _r(M.mean(oks))
    res.metrics["answers.grounded_rate"] = _r(M.mean([c["grounding_score"] >= threshold for c in answered]))
    res.metrics["answers.grounding_mean"] = _r(M.mean([c["grounding_score"] for c in answered]))
    res.metrics["answers.passed_rate"] = _r(M.mean([c["passed"] for c in answered]))
    res.metrics["answers.invented_figures"] = sum(len(c["invented_figures"]) for c in answered)
    res.metrics["answers.invented_figures_rate"] = _r(M.mean([bool(c["invented_figures"]) for c in answered]))
    res.metrics["answers.fallback_rate"] = _r(M.mean([c["fallback"] for c in answered]))
    res.metrics["answers.out_of_scope_rate"] = _r(M.ratio(skipped, len(jobs)))
    res.metrics["answers.n"] = len(answered)
    res.details["grades_by_register"] = {k: grades.get(k, []) for k in REGISTERS}
    res.details["target_grades"] = {c["register"]: c["target_grade"] for c in answered}


# ---------------------------------------------------------------------------------------------- conversations


def predictions(reply: Reply, literacy_field: str = "literacy_message") -> dict[str, Any]:
    """What a reply says about each expect key (None where the reply carries no such output)."""
    s = reply.signals
    if reply.status == "out_of_scope":
        intent: str | None = "out_of_scope"
    else:
        intent = reply.intent if reply.intent is not None else ("out_of_scope" if reply.signals else None)
    escalated = reply.status in ESCALATED_STATUSES or bool(reply.escalation and reply.escalation.escalate)
    return {
        "sentiment": s.sentiment if s else None,
        "distress": s.distress if s else None,
        "vulnerability": list(s.vulnerability) if s else None,
        "literacy": getattr(s, literacy_field) if s else None,
        "handoff_requested": s.handoff_requested if s else None,
        "escalate": escalated,
        "intent": intent,
        "no_offer": not (reply.style.allow_offers if reply.style else False),
        "literacy_conversation": s.literacy if s else None,  # smoothed over the turns so far
    }


def _compact_reply(reply: Reply) -> dict[str, Any]:
    s, st, v, e = reply.signals, reply.style, reply.verdict, reply.escalation
    return {
        "status": reply.status,
        "text": reply.text,
        "intent": reply.intent,
        "retrieval_confidence": _r(reply.retrieval_confidence),
        "citations": [c.article_id for c in reply.citations],
        "signals": None
        if s is None
        else {
            "sentiment": s.sentiment,
            "sentiment_score": _r(s.sentiment_score),
            "distress": s.distress,
            "crisis_kind": s.crisis_kind,
            "vulnerability": list(s.vulnerability),
            "handoff_requested": s.handoff_requested,
            "handoff_prob": _r(s.handoff_prob),
            "literacy": s.literacy,
            "literacy_message": s.literacy_message,
            "cues": to_jsonable(s.cues),
        },
        "style": None
        if st is None
        else {
            "tone": st.tone,
            "register": st.register,
            "target_grade": st.target_grade,
            "allow_offers": st.allow_offers,
            "rules": list(st.rules),
        },
        "verdict": None
        if v is None
        else {
            "passed": v.passed,
            "grounding_score": _r(v.grounding_score),
            "reading_grade": _r(v.reading_grade, 2),
            "invented_figures": list(v.invented_figures),
            "offers_removed": list(v.offers_removed),
            "fallback": v.fallback,
        },
        "escalation": None if e is None else to_jsonable(e),
        "timings_ms": to_jsonable(reply.timings_ms),
    }


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


def run_conversation_file(ctx: EvalContext, cases: Sequence[ConversationCase], literacy_field: str) -> list[dict]:
    """Every turn of every case through ``Pipeline.handle`` (fresh conversation per case); memoised."""
    key = (
        "conversations",
        tuple(c.id for c in cases),
        hash(tuple(c.model_dump_json() for c in cases)),
        literacy_field,
    )
    if key in ctx.shared:
        ctx.shared[("reused", key)] = True
        return list(ctx.shared[key])
    ctx.warm_pipeline()
    pipeline = ctx.pipeline()
    offers = OfferDetector.from_prompts(ctx.settings.prompts_dir)
    turns: list[dict[str, Any]] = []
    for case in ctx.track(cases, "conversations through the pipeline"):
        cid = pipeline.start_conversation(channel=case.channel, locale=case.locale)
        for index, turn in enumerate(case.turns):
            record: dict[str, Any] = {
                "role": "conversations",
                "id": f"{case.id}#{index}",
                "conversation": case.id,
                "turn": index,
                "customer": turn.customer,
                "expect": to_jsonable(turn.expect.present()),
            }
            try:
                reply = pipeline.handle(
                    Message(conversation_id=cid, text=turn.customer, channel=case.channel, locale=case.locale)
                )
            except AssistantError as exc:
                record.update(error=f"{type(exc).__name__}: {exc}", pred={k: None for k in EXPECT_KEYS})
            else:
                if reply.signals is not None:
                    ctx.note_version("signals", reply.signals.model_version)
                if reply.style is not None:
                    ctx.note_version("style_policy", reply.style.policy_version)
                pred = predictions(reply, literacy_field)
                shown = offers.find(reply.text)
                pred["offer_shown"] = bool(shown)
                record.update(pred=pred, reply=_compact_reply(reply), offers_shown=shown)
            turns.append(record)
    ctx.shared[key] = turns
    return list(turns)


def _conversation_items(ctx: EvalContext, cfg: SuiteConfig, ds: Dataset, res: SuiteResult) -> list[ConversationCase]:
    items: list[ConversationCase] = ctx.slice(ds.items, cfg.cap(ctx.fast))
    info = ds.info(len(items))
    info["turns"] = sum(len(c.turns) for c in items)
    res.datasets.append(info)
    return items


def conversation_metrics(turns: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``conversations.*`` metrics and confusion details from per-turn records (``expect`` and ``pred``)."""
    label_sets: dict[str, Sequence[str]] = {
        "sentiment": SENTIMENTS,
        "distress": DISTRESS_LEVELS,
        "literacy": LITERACY_LEVELS,
    }
    metrics: dict[str, Any] = {}
    details: dict[str, Any] = {"confusion": {}}
    for key in EXPECT_KEYS:
        scored = [t for t in turns if key in t["expect"]]
        if not scored:
            continue
        gold = [t["expect"][key] for t in scored]
        pred = [t["pred"][key] for t in scored]
        metrics[f"conversations.{key}.n"] = len(scored)
        if key == "vulnerability":
            rep = M.multilabel_report(gold, [p or [] for p in pred], VULNERABILITY_DRIVERS)
            metrics["conversations.vulnerability.f1"] = _r(rep["micro_f1"])
            metrics["conversations.vulnerability.macro_f1"] = _r(rep["macro_f1"])
            metrics["conversations.vulnerability.exact_match"] = _r(rep["exact_match"])
            details["vulnerability"] = rep
            continue
        metrics[f"conversations.{key}.accuracy"] = _r(M.mean([g == p for g, p in zip(gold, pred, strict=True)]))
        if key in label_sets:
            rep = M.classification_report([str(g) for g in gold], [str(p) for p in pred], label_sets[key])
            metrics[f"conversations.{key}.macro_f1"] = _r(rep["macro_f1"])
            details["confusion"][f"{key} (conversations)"] = rep
        elif isinstance(gold[0], bool):
            rep = M.binary_report([bool(g) for g in gold], [bool(p) for p in pred])
            for k in ("precision", "recall", "f1"):
                metrics[f"conversations.{key}.{k}"] = _r(rep[k])
            details["confusion"][f"{key} (conversations)"] = {
                "labels": ["false", "true"],
                "confusion": rep["confusion"],
                "n": rep["n"],
            }
    smoothed = [t for t in turns if "literacy" in t["expect"] and "literacy_conversation" in t["pred"]]
    if smoothed:
        metrics["conversations.literacy.conversation_accuracy"] = _r(
            M.mean([t["expect"]["literacy"] == t["pred"]["literacy_conversation"] for t in smoothed])
        )
    metrics["conversations.errors"] = sum(1 for t in turns if "error" in t)
    metrics["conversations.turns"] = len(turns)
    metrics["conversations.n"] = len({t["conversation"] for t in turns})
    return metrics, details


def run_conversations(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    cases = _conversation_items(ctx, cfg, datasets["conversations"], res)
    turns = run_conversation_file(ctx, cases, str(cfg.options.get("literacy_field", "literacy_message")))
    if any(k[0] == "reused" for k in ctx.shared if isinstance(k, tuple)):
        res.details["note"] = "the pipeline run of these conversations is shared with an earlier suite"
    res.cases.extend(turns)
    metrics, details = conversation_metrics(turns)
    res.metrics.update(metrics)
    res.details.update(details)


# ---------------------------------------------------------------------------------------------- escalation


def escalation_metrics(turns: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``escalation.*`` metrics from per-turn records: turn-level recall/precision over ``escalate``
    expectations, crisis recall, offers shown where none may be, and conversation-level timing."""
    metrics: dict[str, Any] = {}
    scored = [t for t in turns if "escalate" in t["expect"]]
    rep = M.binary_report([t["expect"]["escalate"] for t in scored], [bool(t["pred"]["escalate"]) for t in scored])
    for k in ("recall", "precision", "f1"):
        metrics[f"escalation.{k}"] = _r(rep[k])
    crisis = [t for t in turns if t["expect"].get("distress") == "crisis"]
    metrics["escalation.crisis_recall"] = _r(M.mean([bool(t["pred"]["escalate"]) for t in crisis]))
    metrics["escalation.crisis_flagged"] = _r(
        M.mean([bool(t.get("reply") and ((t["reply"].get("escalation") or {}).get("crisis"))) for t in crisis])
    )
    no_offer = [t for t in turns if t["expect"].get("no_offer") is True]
    shown = [t for t in no_offer if t["pred"].get("offer_shown")]
    allowed = [t for t in no_offer if t["pred"]["no_offer"] is False]
    metrics["escalation.offers_when_no_offer"] = len(shown)  # an offer sentence reached the customer
    metrics["escalation.offers_when_no_offer_rate"] = _r(M.ratio(len(shown), len(no_offer)))
    metrics["escalation.offers_allowed_when_no_offer"] = len(allowed)  # the style permitted offers
    # conversation level: should it reach a human, did it, and how many turns did that take
    by_conv: dict[str, list[dict[str, Any]]] = {}
    for t in turns:
        by_conv.setdefault(t["conversation"], []).append(t)
    conv_gold, conv_pred, delays, turns_to = [], [], [], []
    for conv_turns in by_conv.values():
        expected = [t["turn"] for t in conv_turns if t["expect"].get("escalate") is True]
        actual = [t["turn"] for t in conv_turns if t["pred"]["escalate"]]
        conv_gold.append(bool(expected))
        conv_pred.append(bool(actual))
        if expected and actual:
            delays.append(actual[0] - expected[0])
            turns_to.append(actual[0] + 1)
    crep = M.binary_report(conv_gold, conv_pred)
    metrics["escalation.conversation_recall"] = _r(crep["recall"])
    metrics["escalation.conversation_precision"] = _r(crep["precision"])
    metrics["escalation.turns_to_handoff"] = _r(M.mean(turns_to), 2)
    metrics["escalation.handoff_delay"] = _r(M.mean(delays), 2)
    metrics["escalation.late_handoffs"] = sum(1 for d in delays if d > 0)
    metrics["escalation.early_handoffs"] = sum(1 for d in delays if d < 0)
    metrics["escalation.n_turns"] = len(scored)
    metrics["escalation.crisis_turns"] = len(crisis)
    details = {
        "confusion": {
            "escalate (turns)": {"labels": ["false", "true"], "confusion": rep["confusion"], "n": rep["n"]},
            "escalate (conversations)": {
                "labels": ["false", "true"],
                "confusion": crep["confusion"],
                "n": crep["n"],
            },
        }
    }
    return metrics, details


def run_escalation(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    cases = _conversation_items(ctx, cfg, datasets["conversations"], res)
    turns = run_conversation_file(ctx, cases, str(cfg.options.get("literacy_field", "literacy_message")))
    metrics, details = escalation_metrics(turns)
    res.metrics.update(metrics)
    res.details.update(details)
    for t in turns:
        if "escalate" in t["expect"] or "no_offer" in t["expect"] or t["expect"].get("distress") == "crisis":
            reply = t.get("reply") or {}
            res.cases.append(
                {
                    "role": "conversations",
                    "id": t["id"],
                    "conversation": t["conversation"],
                    "turn": t["turn"],
                    "expect": {k: t["expect"][k] for k in ("escalate", "no_offer", "distress") if k in t["expect"]},
                    "escalated": t["pred"]["escalate"],
                    "offers_allowed": not t["pred"]["no_offer"],
                    "offers_shown": t.get("offers_shown", []),
                    "status": reply.get("status"),
                    "reasons": (reply.get("escalation") or {}).get("reasons"),
                }
            )


# ---------------------------------------------------------------------------------------------- speed


def run_speed(ctx: EvalContext, cfg: SuiteConfig, datasets: dict[str, Dataset], res: SuiteResult) -> None:
    import time

    ds = datasets["queries"]
    items: list[Any] = ctx.slice(ds.items, cfg.cap(ctx.fast), key=_speed_key)
    res.datasets.append(ds.info(len(items)))
    with ctx.console.status("speed: warming up the pipeline..."):
        t0 = time.perf_counter()
        warm = ctx.warm_pipeline()
        warm_ms = (time.perf_counter() - t0) * 1000
    pipeline = ctx.pipeline()
    walls: list[float] = []
    per_stage: dict[str, list[float]] = {}
    start = time.perf_counter()
    for item in ctx.track(items, "speed: one turn per query"):
        text = _speed_text(item)
        cid = pipeline.start_conversation(channel="widget")
        t = time.perf_counter()
        reply = pipeline.handle(Message(conversation_id=cid, text=text, channel="widget"))
        wall = (time.perf_counter() - t) * 1000
        walls.append(wall)
        for stage, ms in reply.timings_ms.items():
            per_stage.setdefault(stage, []).append(float(ms))
        res.cases.append(
            {
                "role": "queries",
                "id": getattr(item, "id", ""),
                "status": reply.status,
                "wall_ms": round(wall, 2),
                "timings_ms": to_jsonable(reply.timings_ms),
            }
        )
    elapsed = time.perf_counter() - start
    for stage, values in sorted(per_stage.items()):
        p = M.percentiles(values, (50, 95, 99))
        for k in ("p50", "p95", "p99", "mean"):
            res.metrics[f"speed.{stage}.{k}"] = _r(p[k], 2)
    wp = M.percentiles(walls, (50, 95, 99))
    for k in ("p50", "p95", "p99"):
        res.metrics[f"speed.wall.{k}"] = _r(wp[k], 2)
    res.metrics["speed.throughput_per_s"] = _r(M.ratio(len(items), elapsed), 3)
    res.metrics["speed.warm_up_ms"] = _r(warm_ms, 1)
    res.metrics["speed.n"] = len(items)
    res.details["latency_ms"] = {stage: [round(v, 3) for v in values] for stage, values in per_stage.items()}
    res.details["warm_up_ms"] = warm
    res.details["counts"] = dict(Counter(c["status"] for c in res.cases))


def _speed_key(item: Any) -> str:
    return str(getattr(item, "label", ""))


def _speed_text(item: Any) -> str:
    if isinstance(item, ConversationCase):
        return item.turns[0].customer
    return str(item.text)


SUITES: dict[str, Callable[[EvalContext, SuiteConfig, dict[str, Dataset], SuiteResult], None]] = {
    "retrieval": run_retrieval,
    "signals": run_signals,
    "answers": run_answers,
    "escalation": run_escalation,
    "conversations": run_conversations,
    "speed": run_speed,
}

__all__ = ["SUITES", "conversation_metrics", "escalation_metrics", "predictions", "run_conversation_file"]
