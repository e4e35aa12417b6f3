"""Training-time choice of how much the service view counts (``service_weight.<label>``) and of the decision
thresholds that go with it (``handoff``, ``complaint``, ``vulnerability.<driver>``), on the written dev rows and
ordinary banking questions; never on ``data/blind``.

For each label, every (weight, threshold) pair of :data:`WEIGHTS` x :data:`GRID` is replayed through the rule layer
itself (``SignalModel._handoff`` and friends, with the pair stored as the model's thresholds), and the pair with the
best dev figure within that label's limits wins:

- hand-off: the most recall with precision at least :data:`MIN_HANDOFF_PRECISION` on the written dev rows and at
  most :data:`MAX_HANDOFF_ORDINARY` of ordinary questions flagged;
- complaint: the most recall with at most :data:`MAX_COMPLAINT_HARD` of the written dev non-complaints and
  :data:`MAX_COMPLAINT_ORDINARY` of ordinary questions flagged;
- each vulnerability driver: the best F1 on the written dev rows with at most :data:`MAX_DRIVER_ORDINARY` of
  ordinary questions flagged.

Where no pair keeps within the limits, the one that breaks them least is taken and reported (``within_limits``).
Weight 0 is the rules and heads alone, so the view is used only where it helps on dev.

Run from the repository root after ``attune train service-view``::

    python -m assistant.training.signals.service_thresholds

>>> best_pair([((0.0, 0.5), 0.8, 0.9), ((0.5, 0.4), 0.9, 1.2), ((0.5, 0.6), 0.85, 0.7)])
((0.5, 0.6), 0.85, 0.7)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from assistant.integrations.encoder import TextEncoder
from assistant.integrations.layer_adapter import LayerAdapter
from assistant.signals.model import SignalModel
from assistant.signals.service_view import DRIVER_LABELS
from assistant.training.signals.crisis_thresholds import written_rows
from assistant.training.signals.thresholds import (
    MAX_COMPLAINT_HARD,
    MAX_COMPLAINT_ORDINARY,
    MAX_HANDOFF_ORDINARY,
    MIN_HANDOFF_PRECISION,
    Prepared,
    prepare,
    with_thresholds,
)

WEIGHTS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
GRID: tuple[float, ...] = tuple(round(x, 2) for x in np.arange(0.20, 0.96, 0.05))
MAX_DRIVER_ORDINARY = 0.01  # ordinary questions read as showing a vulnerability driver

Pair = tuple[float, float]


def best_pair(scored: Sequence[tuple[Pair, float, float]]) -> tuple[Pair, float, float]:
    """The (pair, figure, breach) with the best figure among those whose breach (the worst limit's used share) is at
    most 1; else the smallest breach. Ties go to the earlier pair (lower weight, then lower threshold)."""
    within = [s for s in scored if s[2] <= 1.0]
    if within:
        return max(within, key=lambda s: s[1])
    return min(scored, key=lambda s: s[2])


def _decide(model: SignalModel, label: str, rows: Sequence[Prepared]) -> np.ndarray:
    out = []
    for feats, raw in rows:
        service = raw.get("service_view")
        if label == "handoff":
            out.append(model._handoff(feats, raw["handoff"], service)[0])
        elif label == "complaint":
            negative = model._sentiment(feats, raw["sentiment"])[2]["negative"]
            out.append(model._complaint(feats, raw.get("complaint"), negative, service)[0])
        else:
            out.append(label in model._vulnerability(feats, raw["vulnerability"], service)[0])
    return np.array(out, dtype=bool)


def _sweep(
    model: SignalModel,
    label: str,
    key: str,
    dev: Sequence[Prepared],
    gold: np.ndarray,
    ordinary: Sequence[Prepared],
    judge: Callable[[np.ndarray, np.ndarray, float], tuple[float, float]],
) -> dict[str, Any]:
    scored: list[tuple[Pair, float, float]] = []
    for w in WEIGHTS:
        for t in GRID:
            m = with_thresholds(model, {f"service_weight.{label}": w, key: t})
            pred = _decide(m, label, dev)
            plain = float(_decide(m, label, ordinary).mean()) if ordinary else 0.0
            figure, breach = judge(pred, gold, plain)
            scored.append(((w, t), figure, breach))
    (w, t), figure, breach = best_pair(scored)
    m = with_thresholds(model, {f"service_weight.{label}": w, key: t})
    pred = _decide(m, label, dev)
    tp = float((pred & gold).sum())
    before = [s for s in scored if s[0][0] == 0.0]
    return {
        "weight": w,
        "threshold": t,
        "within_limits": breach <= 1.0,
        "dev_rows": len(dev),
        "dev_recall": round(tp / max(float(gold.sum()), 1.0), 4),
        "dev_precision": round(tp / max(float(pred.sum()), 1.0), 4),
        "ordinary_rate": round(float(_decide(m, label, ordinary).mean()) if ordinary else 0.0, 4),
        "best_without_view": {"pair": list(best_pair(before)[0]), "figure": round(best_pair(before)[1], 4)},
    }


def _recall_judge(max_false: Callable[[np.ndarray, np.ndarray], float], max_plain: float) -> Callable[..., Any]:
    def judge(pred: np.ndarray, gold: np.ndarray, plain: float) -> tuple[float, float]:
        recall = float(pred[gold].mean()) if gold.any() else 0.0
        return recall, max(max_false(pred, gold), plain / max_plain)

    return judge


def _precision_breach(pred: np.ndarray, gold: np.ndarray) -> float:
    precision = float(gold[pred].mean()) if pred.any() else 1.0
    return (1.0 - precision) / (1.0 - MIN_HANDOFF_PRECISION)


def _hard_breach(pred: np.ndarray, gold: np.ndarray) -> float:
    return (float(pred[~gold].mean()) if (~gold).any() else 0.0) / MAX_COMPLAINT_HARD


def _f1_judge(pred: np.ndarray, gold: np.ndarray, plain: float) -> tuple[float, float]:
    tp = float((pred & gold).sum())
    f1 = 2 * tp / max(float(pred.sum() + gold.sum()), 1.0)
    return f1, plain / MAX_DRIVER_ORDINARY


def choose_service_thresholds(
    model: SignalModel,
    encoder: TextEncoder,
    ordinary: Sequence[str],
    crisis_adapter: LayerAdapter | None,
    service_adapter: LayerAdapter | None,
) -> dict[str, Any]:
    """The weight and threshold of every service label (see the module docstring), with their dev figures."""
    adapters = (crisis_adapter, service_adapter)
    plain = prepare(model, encoder, ordinary, *adapters)
    choice: dict[str, Any] = {}
    for label, judge in (
        ("handoff", _recall_judge(_precision_breach, MAX_HANDOFF_ORDINARY)),
        ("complaint", _recall_judge(_hard_breach, MAX_COMPLAINT_ORDINARY)),
    ):
        rows = written_rows(label, "dev")
        dev = prepare(model, encoder, [str(r["text"]) for r in rows], *adapters)
        gold = np.array([bool(r[label]) for r in rows])
        choice[label] = _sweep(model, label, label, dev, gold, plain, judge)
    rows = written_rows("vulnerability", "dev")
    dev = prepare(model, encoder, [str(r["text"]) for r in rows], *adapters)
    for driver in DRIVER_LABELS:
        gold = np.array([driver in r["drivers"] for r in rows])  # type: ignore[operator]
        choice[driver] = _sweep(model, driver, f"vulnerability.{driver}", dev, gold, plain, _f1_judge)
    return choice


def retune_service(settings: object, *, seed: int = 13) -> dict[str, Any]:
    """Choose the service weights and thresholds for the shipped heads and save them with the heads."""
    from assistant.integrations.encoder import shared_encoder
    from assistant.settings import Settings
    from assistant.signals.crisis_view import load_crisis_view
    from assistant.signals.heads import HeadBundle
    from assistant.signals.model import ARTIFACT_NAME
    from assistant.signals.service_view import load_service_view
    from assistant.training.signals import datasets as ds

    assert isinstance(settings, Settings)
    target = settings.artifacts_dir / ARTIFACT_NAME
    bundle = HeadBundle.load(target)
    crisis_adapter, view_head = load_crisis_view(target.parent)
    service_adapter, service_head = load_service_view(target.parent)
    if service_adapter is None or service_head is None:
        raise SystemExit("no service view in the artifacts folder: run `attune train service-view` first")
    model = SignalModel(bundle, view_head=view_head, service_head=service_head)
    b77 = ds.banking77_texts(settings)
    ordinary = [b77[i] for i in ds.b77_split(settings, seed)[1]]
    choice = choose_service_thresholds(model, shared_encoder(), ordinary, crisis_adapter, service_adapter)
    thresholds: dict[str, float] = {}
    for label, c in choice.items():
        key = label if label in ("handoff", "complaint") else f"vulnerability.{label}"
        thresholds[f"service_weight.{label}"] = float(c["weight"])
        thresholds[key] = float(c["threshold"])
    meta = dict(bundle.meta)
    meta["thresholds"] = {**dict(meta.get("thresholds", {})), **thresholds}  # type: ignore[call-overload]
    dev_choice = dict(meta.get("dev_choice", {}))  # type: ignore[call-overload]
    dev_choice["service"] = choice
    meta["dev_choice"] = dev_choice
    version = str(meta.get("version", "signals")).split("+service-view-")[0]
    meta["version"] = f"{version}+{service_head.version}"
    replace(bundle, meta=meta).save(target)
    return {"thresholds": thresholds, "dev_choice": choice}


if __name__ == "__main__":  # python -m assistant.training.signals.service_thresholds
    import sys

    from assistant.settings import get_settings

    sys.stdout.write(json.dumps(retune_service(get_settings()), indent=2, default=str) + "\n")
