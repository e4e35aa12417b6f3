"""The signals suite: sentiment and distress (GoEmotions, with a VADER baseline), handoff requests (NLU++) and
literacy, each with its confusion matrix and calibration."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.serialize import to_jsonable
from assistant.types import LITERACY_LEVELS, SENTIMENTS, Signals
from eval import metrics as M
from eval.config import SuiteConfig
from eval.formats import LabelledText, MultiLabelText
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.common import put_metrics, rounded


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
    res.metrics["signals.sentiment.macro_f1"] = rounded(rep["macro_f1"])
    res.metrics["signals.sentiment.accuracy"] = rounded(rep["accuracy"])
    res.metrics["signals.sentiment.ece"] = rounded(rel["ece"])
    res.metrics["signals.sentiment.n"] = rep["n"]
    for label, row in rep["per_label"].items():
        put_metrics(res, f"signals.sentiment.{label}", {k: rounded(v) for k, v in row.items() if k != "support"})
    res.details.setdefault("confusion", {})["sentiment (GoEmotions dev)"] = rep
    res.details.setdefault("reliability", {})["sentiment (top label)"] = rel
    if vader:
        vrep = M.classification_report(v_gold, v_pred, SENTIMENTS)
        res.metrics["signals.sentiment.vader.macro_f1"] = rounded(vrep["macro_f1"])
        res.metrics["signals.sentiment.vader.accuracy"] = rounded(vrep["accuracy"])
        res.details["confusion"]["sentiment: VADER baseline"] = vrep
        res.details["side_by_side"] = {
            "sentiment": {
                "ours": {"macro_f1": rounded(rep["macro_f1"]), "accuracy": rounded(rep["accuracy"])},
                "vader": {"macro_f1": rounded(vrep["macro_f1"]), "accuracy": rounded(vrep["accuracy"])},
            }
        }
    else:
        res.details["vader_error"] = "assistant.integrations.vader adapter unavailable"
    drep = M.classification_report(d_gold, d_pred, ("none", "mild", "high"))
    res.metrics["signals.distress.macro_f1"] = rounded(drep["macro_f1"])
    res.metrics["signals.distress.accuracy"] = rounded(drep["accuracy"])
    res.metrics["signals.distress.ece"] = rounded(M.reliability(d_conf, d_hit, bins)["ece"])
    brep = M.binary_report([g != "none" for g in d_gold], [p != "none" for p in d_pred])
    put_metrics(res, "signals.distress", {f"binary_{k}": rounded(brep[k]) for k in ("precision", "recall", "f1")})
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
                "handoff_prob": rounded(s.handoff_prob),
            }
        )
    rep = M.binary_report(gold, pred)
    rel = M.reliability(probs, gold, bins)
    put_metrics(res, "signals.handoff", {k: rounded(rep[k]) for k in ("precision", "recall", "f1", "accuracy")})
    res.metrics["signals.handoff.ece"] = rounded(rel["ece"])
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
    res.metrics["signals.literacy.accuracy"] = rounded(rep["accuracy"])
    res.metrics["signals.literacy.macro_f1"] = rounded(rep["macro_f1"])
    res.metrics["signals.literacy.ece"] = rounded(rel["ece"])
    res.metrics["signals.literacy.n"] = rep["n"]
    res.details.setdefault("confusion", {})["literacy (our dev labels)"] = rep
    res.details.setdefault("reliability", {})["literacy (top label)"] = rel
