"""Metrics computed from per-case outputs: classification, multi-label, binary, calibration, ranking, latency.

Every function is pure (lists in, plain dicts of floats out) so a report can be recomputed from
``cases.jsonl``. Undefined ratios (0/0) are ``None`` in binary and ranking reports; per-label precision/recall
inside a multi-class report follow scikit-learn's ``zero_division=0``.

>>> r = classification_report(["a", "b", "b"], ["a", "b", "a"], labels=["a", "b"])
>>> round(r["accuracy"], 3), r["confusion"]
(0.667, [[1, 0], [1, 1]])
>>> binary_report([True, False, True], [True, True, False])["precision"]
0.5
>>> ranking_metrics([1, 2, None])["mrr"]
0.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def ratio(num: float, den: float) -> float | None:
    """``num / den`` or ``None`` when ``den`` is 0."""
    return float(num) / float(den) if den else None


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def classification_report(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Per-label precision/recall/F1/support, macro-F1, accuracy and the confusion matrix (rows gold,
    cols pred).

    Predictions outside ``labels`` count as wrong and appear in the ``other`` column of ``confusion_other``.
    """
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    index = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    cm = np.zeros((k, k), dtype=int)
    other = np.zeros(k, dtype=int)
    for g, p in zip(gold, pred, strict=True):
        if g not in index:
            continue
        if p in index:
            cm[index[g], index[p]] += 1
        else:
            other[index[g]] += 1
    per_label: dict[str, dict[str, float | int]] = {}
    f1s: list[float] = []
    for label, i in index.items():
        tp = int(cm[i, i])
        pred_n = int(cm[:, i].sum())
        gold_n = int(cm[i, :].sum() + other[i])
        precision = tp / pred_n if pred_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": gold_n}
        if gold_n:
            f1s.append(f1)
    n = int(cm.sum() + other.sum())
    return {
        "labels": list(labels),
        "per_label": per_label,
        "macro_f1": float(np.mean(f1s)) if f1s else None,
        "accuracy": ratio(float(np.trace(cm)), n),
        "confusion": cm.tolist(),
        "confusion_other": other.tolist(),
        "n": n,
    }


def multilabel_report(
    gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], labels: Sequence[str]
) -> dict[str, Any]:
    """Per-label P/R/F1 over label sets, micro- and macro-F1, and exact-set accuracy."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    per_label: dict[str, dict[str, float | int | None]] = {}
    tp_all = fp_all = fn_all = 0
    f1s: list[float] = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if label in g and label in p)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if label not in g and label in p)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if label in g and label not in p)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
        if tp + fn:
            f1s.append(f1)
    micro_p, micro_r = ratio(tp_all, tp_all + fp_all), ratio(tp_all, tp_all + fn_all)
    exact = sum(1 for g, p in zip(gold, pred, strict=True) if set(g) == set(p))
    return {
        "labels": list(labels),
        "per_label": per_label,
        "micro_precision": micro_p,
        "micro_recall": micro_r,
        "micro_f1": _f1(micro_p if micro_p is not None else 0.0, micro_r) if tp_all + fn_all else None,
        "macro_f1": float(np.mean(f1s)) if f1s else None,
        "exact_match": ratio(exact, len(gold)),
        "n": len(gold),
    }


def binary_report(gold: Sequence[bool], pred: Sequence[bool]) -> dict[str, Any]:
    """Precision, recall, F1, accuracy and the four counts of a yes/no decision."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if not g and p)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    tn = len(gold) - tp - fp - fn
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision if precision is not None else 0.0, recall),
        "accuracy": ratio(tp + tn, len(gold)),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "n": len(gold),
        "confusion": [[tn, fp], [fn, tp]],
    }


def reliability(confidences: Sequence[float], outcomes: Sequence[bool], n_bins: int = 10) -> dict[str, Any]:
    """Expected calibration error, Brier score and the reliability-diagram bins of probabilities against outcomes.

    The project's one calibration-error function: training, model cards and every suite call it. For a
    multi-class head pass the top probability and whether the top label was right (:func:`top_label`); for a
    binary head pass P(positive) and whether the case was positive. Bins are equal-width on [0, 1], each
    holding (lo, hi] (the first also holds 0).

    >>> reliability([0.9, 0.1], [True, False])["ece"]
    0.1
    """
    conf = np.clip(np.asarray(confidences, dtype=float), 0.0, 1.0)
    hit = np.asarray(outcomes, dtype=float)
    if conf.shape != hit.shape:
        raise ValueError("confidences and outcomes differ in length")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.minimum(np.digitize(conf, edges[1:-1], right=True), n_bins - 1)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        mask = which == b
        count = int(mask.sum())
        mean_conf = float(conf[mask].mean()) if count else None
        acc = float(hit[mask].mean()) if count else None
        if count and mean_conf is not None and acc is not None:
            ece += count / len(conf) * abs(acc - mean_conf)
        bins.append(
            {
                "lo": float(edges[b]),
                "hi": float(edges[b + 1]),
                "count": count,
                "confidence": mean_conf,
                "accuracy": acc,
            }
        )
    brier = float(np.mean((conf - hit) ** 2)) if len(conf) else None
    return {"ece": float(ece) if len(conf) else None, "brier": brier, "bins": bins, "n": int(len(conf))}


def top_label(probs: Any, gold: Any) -> tuple[list[float], list[bool]]:
    """The (top probability, top label right) pairs of an n×k probability matrix, for :func:`reliability`."""
    matrix = np.asarray(probs, dtype=float)
    right = matrix.argmax(axis=1) == np.asarray(gold)
    return matrix.max(axis=1).tolist(), right.tolist()


def ranking_metrics(ranks: Sequence[int | None], ks: Sequence[int] = (1, 3)) -> dict[str, float | None]:
    """top-k hit rates and mean reciprocal rank from 1-based ranks of the first hit (None = not found)."""
    n = len(ranks)
    out: dict[str, float | None] = {f"top{k}": ratio(sum(1 for r in ranks if r is not None and r <= k), n) for k in ks}
    out["mrr"] = ratio(sum(1.0 / r for r in ranks if r is not None), n)
    return out


def percentiles(values: Sequence[float], qs: Sequence[int] = (50, 90, 95, 99)) -> dict[str, float | None]:
    """``p50``, ``p90``, ... (linear interpolation), plus ``mean`` and ``max``; ``None`` for no values."""
    arr = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    out: dict[str, float | None] = {}
    for q in qs:
        out[f"p{q}"] = float(np.percentile(arr, q)) if arr.size else None
    out["mean"] = float(arr.mean()) if arr.size else None
    out["max"] = float(arr.max()) if arr.size else None
    return out


def mean(values: Sequence[float | int | bool]) -> float | None:
    """Arithmetic mean or ``None`` when empty."""
    return float(np.mean([float(v) for v in values])) if len(values) else None
