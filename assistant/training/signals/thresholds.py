"""Training-time choice of the complaint, high-distress and hand-off thresholds on the dev split of our own written
data, and :func:`retune_crisis_layer`; the crisis layer's own choice lives in
:mod:`assistant.training.signals.crisis_thresholds` (re-exported here). Never on ``data/blind``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.integrations.encoder import LayeredEncoder, TextEncoder
from assistant.integrations.layer_adapter import LayerAdapter
from assistant.signals.crisis_view import load_crisis_view
from assistant.signals.features import TextFeatures
from assistant.signals.model import SignalModel
from assistant.training.signals.crisis_thresholds import (
    CRISIS_DEV_DIR,
    MAX_FALSE_CRISIS,
    MAX_FALSE_CRISIS_ORDINARY,
    MODEL_GRID,
    OFF,
    WRITTEN_DIR,
    WRITTEN_DIRS,
    CrisisReplay,
    DevRow,
    choose_crisis_thresholds,
    conversation_rows,
    crisis_dev_rows,
    pick_lowest,
    written_rows,
)

if TYPE_CHECKING:
    from assistant.signals.crisis_view import CrisisViewHead
    from assistant.signals.heads import HeadBundle

__all__ = [
    "CRISIS_DEV_DIR",
    "MAX_FALSE_CRISIS",
    "MAX_FALSE_CRISIS_ORDINARY",
    "WRITTEN_DIR",
    "WRITTEN_DIRS",
    "CrisisReplay",
    "DevRow",
    "choose_complaint_threshold",
    "choose_crisis_thresholds",
    "choose_handoff_threshold",
    "choose_high_distress_threshold",
    "crisis_dev_rows",
    "pick_lowest",
    "prepare",
    "retune_crisis_layer",
    "with_thresholds",
    "written_rows",
]


MAX_COMPLAINT_ORDINARY = 0.03  # ordinary banking questions (BANKING77 dev) flagged as complaints
MAX_COMPLAINT_HARD = 0.12  # written non-complaints (merchant disputes, neutral messages with negative words)
COMPLAINT_GRID: tuple[float, ...] = tuple(round(x, 2) for x in np.arange(0.30, 0.96, 0.05))


def choose_complaint_threshold(model: SignalModel, encoder: TextEncoder, ordinary: Sequence[str]) -> dict[str, object]:
    """The lowest complaint threshold whose false-flag rates stay within :data:`MAX_COMPLAINT_ORDINARY` on
    ``ordinary`` questions and :data:`MAX_COMPLAINT_HARD` on the written dev non-complaints; with dev recall."""
    rows = written_rows("complaint", "dev")
    texts = [str(r["text"]) for r in rows]
    gold = [bool(r["complaint"]) for r in rows]
    probs = []
    for feats, raw in prepare(model, encoder, texts + list(ordinary)):
        negative = model._sentiment(feats, raw["sentiment"])[2]["negative"]
        probs.append(model._complaint(feats, raw.get("complaint"), negative)[1])
    dev_p, ord_p = np.array(probs[: len(texts)]), np.array(probs[len(texts) :])
    pos, neg = dev_p[np.array(gold)], dev_p[~np.array(gold)]

    def rates(t: float) -> tuple[float, float]:
        hard = float((neg >= t).mean()) if len(neg) else 0.0
        plain = float((ord_p >= t).mean()) if len(ord_p) else 0.0
        return float((pos >= t).mean()), max(hard / MAX_COMPLAINT_HARD, plain / MAX_COMPLAINT_ORDINARY)

    thr = pick_lowest(COMPLAINT_GRID, rates, max_false=1.0)
    return {
        "threshold": thr,
        "dev_rows": len(rows),
        "dev_recall": round(float((pos >= thr).mean()), 4),
        "dev_false_flag_rate": round(float((neg >= thr).mean()), 4),
        "ordinary_rows": len(ord_p),
        "ordinary_false_flag_rate": round(float((ord_p >= thr).mean()), 4),
    }


MAX_FALSE_HIGH = 0.10  # written dev rows labelled none/mild read as high by the high-distress head
MAX_HIGH_ORDINARY = 0.03  # ordinary text (GoEmotions train comments) read as high: each one is an escalation
MIN_HANDOFF_PRECISION = 0.95
MAX_HANDOFF_ORDINARY = 0.01


Prepared = tuple[TextFeatures, dict[str, np.ndarray]]


def prepare(
    model: SignalModel,
    encoder: TextEncoder,
    texts: Sequence[str],
    crisis_adapter: LayerAdapter | None = None,
    service_adapter: LayerAdapter | None = None,
) -> list[Prepared]:
    """Features and raw head outputs of ``texts`` (the crisis and service views' included, for each adapter given),
    from one encoder pass: what the threshold choices replay the rule layer on."""
    slots = (crisis_adapter, service_adapter)
    crisis: np.ndarray | None = None
    service: np.ndarray | None = None
    if any(a is not None for a in slots) and isinstance(encoder, LayeredEncoder):
        vectors, views = encoder.encode_multi(list(texts), [a for a in slots if a is not None])
        crisis = views.pop(0) if crisis_adapter is not None else None
        service = views.pop(0) if service_adapter is not None else None
    else:
        vectors = encoder.encode(list(texts))
    out = []
    for i, (text, vec) in enumerate(zip(texts, vectors, strict=True)):
        feats = model.extractor.extract(text)
        raw = {k: v[0] for k, v in model.raw_probs(model.design(text, vec, feats)).items()}
        raw.update(model.view_probs(crisis[i] if crisis is not None else None))
        raw.update(model.service_probs(service[i] if service is not None else None))
        out.append((feats, raw))
    return out


def best_high_pair(
    grid: Sequence[float], view_grid: Sequence[float], rates: Callable[[float, float], tuple[float, float]]
) -> tuple[float, float]:
    """The (head, view) threshold pair with the most recall of rows labelled high among the pairs whose false rate
    stays within :data:`MAX_FALSE_HIGH` (then the lower false rate; the first in grid order on ties); both off if no
    pair is within. Chosen jointly: fixing the head's threshold first spent the false-high budget on the head, whose
    reading carries less across writers than the crisis view's (``data/audits/distress_cross_writer.py``).

    >>> rates = lambda t, v: (float(t < 0.9) + float(v < 0.9), 0.2 if t == v == 0.5 else 0.0)
    >>> best_high_pair([0.5, 0.9], [0.5, 0.9], rates)
    (0.5, 0.9)
    """
    best: tuple[tuple[float, float], float, float] | None = None
    for t in grid:
        for tv in view_grid:
            recall, false = rates(t, tv)
            if false <= MAX_FALSE_HIGH and (best is None or (recall, -false) > best[0]):
                best = ((recall, -false), t, tv)
    return (best[1], best[2]) if best is not None else (OFF, OFF)


def choose_high_distress_threshold(
    model: SignalModel, encoder: TextEncoder, ordinary: Sequence[str] = (), view_adapter: LayerAdapter | None = None
) -> dict[str, object]:
    """The thresholds of the high-distress head and (with a crisis view) of the view's p(high or crisis), chosen
    together (:func:`best_high_pair`): the most dev recall of rows labelled high (by the head, the view or the acute
    rules) whose rate on written dev rows labelled none/mild stays within :data:`MAX_FALSE_HIGH` and on ``ordinary``
    texts within :data:`MAX_HIGH_ORDINARY`."""
    rows = [r for r in written_rows("crisis_distress", "dev") if r["distress"] != "crisis"]
    prepared = prepare(model, encoder, [str(r["text"]) for r in rows] + list(ordinary), view_adapter)

    def scores(key: str) -> tuple[np.ndarray, np.ndarray]:
        both = np.array([float(raw[key][0]) if key in raw else 0.0 for _, raw in prepared])
        return both[: len(rows)], both[len(rows) :]

    head, plain = scores("high_distress")
    view, plain_view = scores("crisis_view_high")
    rule = np.array([bool(f.cues("distress.acute")) for f, _ in prepared[: len(rows)]])
    vetoed = np.array([bool(f.hit_groups("traps")) for f, _ in prepared[: len(rows)]])
    high = np.array([r["distress"] == "high" for r in rows])

    def rates_at(t: float, tv: float) -> tuple[float, float]:
        pred = rule | (head >= t) | ((view >= tv) & ~vetoed)
        false = float(pred[~high].mean()) if (~high).any() else 0.0
        if len(plain):
            plain_rate = float(((plain >= t) | (plain_view >= tv)).mean())
            false = max(false, plain_rate * MAX_FALSE_HIGH / MAX_HIGH_ORDINARY)
        return float(pred[high].mean()) if high.any() else 0.0, false

    grid = (*MODEL_GRID, 0.97, 0.99, OFF)
    has_view = view_adapter is not None and model.view_head is not None
    thr, thr_view = best_high_pair(grid, grid if has_view else (OFF,), rates_at)
    recall, false = rates_at(thr, thr_view)
    return {
        "threshold": thr,
        "view_threshold": thr_view,
        "dev_rows": len(rows),
        "dev_high_recall": round(recall, 4),
        "head_only_recall": round(rates_at(thr, OFF)[0], 4),
        "worst_false_over_limit": round(false / MAX_FALSE_HIGH, 4),
        "rules_only_recall": round(rates_at(OFF, OFF)[0], 4),
    }


def choose_handoff_threshold(
    model: SignalModel, encoder: TextEncoder, ordinary: Sequence[str], *, current: float
) -> dict[str, object]:
    """The lowest hand-off threshold (not above ``current``, chosen on NLU++) with precision at least
    :data:`MIN_HANDOFF_PRECISION` on the written dev rows and at most :data:`MAX_HANDOFF_ORDINARY` of ``ordinary``
    questions flagged."""
    rows = written_rows("handoff", "dev")
    prepared = prepare(model, encoder, [str(r["text"]) for r in rows] + list(ordinary))
    probs = np.array([model._handoff(f, raw["handoff"])[1] for f, raw in prepared])
    dev_p, ord_p = probs[: len(rows)], probs[len(rows) :]
    gold = np.array([bool(r["handoff"]) for r in rows])

    def rates(t: float) -> tuple[float, float]:
        pred = dev_p >= t
        precision = float(gold[pred].mean()) if pred.any() else 1.0
        bad = max((1.0 - precision) / (1.0 - MIN_HANDOFF_PRECISION), float((ord_p >= t).mean()) / MAX_HANDOFF_ORDINARY)
        return float(pred[gold].mean()), bad

    grid = [t for t in MODEL_GRID if t <= current] + [current]
    thr = pick_lowest(grid, rates, max_false=1.0)
    pred = dev_p >= thr
    return {
        "threshold": thr,
        "dev_rows": len(rows),
        "dev_recall": round(float(pred[gold].mean()), 4),
        "dev_precision": round(float(gold[pred].mean()) if pred.any() else 1.0, 4),
        "ordinary_false_rate": round(float((ord_p >= thr).mean()), 4),
    }


def with_thresholds(model: SignalModel, thresholds: dict[str, float]) -> SignalModel:
    """A copy of ``model`` whose stored thresholds include ``thresholds``."""
    meta = dict(model.bundle.meta)
    meta["thresholds"] = {**dict(meta.get("thresholds", {})), **thresholds}  # type: ignore[call-overload]
    bundle = replace(model.bundle, meta=meta)
    return SignalModel(bundle, model.extractor, model.misuse, model.bank, model.view_head)


def _retune_inputs(
    settings: object, seed: int, path: Path | None
) -> tuple[Path, HeadBundle, TextEncoder, list[str], list[str], tuple[LayerAdapter | None, CrisisViewHead | None]]:
    """The heads file, its bundle, the encoder, the BANKING77 dev questions, a seeded GoEmotions sample and the crisis
    view's adapter, as :func:`retune_crisis_layer` and :func:`retune_high_distress` read them."""
    from assistant.integrations.encoder import shared_encoder
    from assistant.settings import Settings
    from assistant.signals.heads import HeadBundle
    from assistant.signals.model import ARTIFACT_NAME
    from assistant.training.signals import datasets as ds
    from assistant.training.signals.datasets import b77_split

    assert isinstance(settings, Settings)
    target = path or settings.artifacts_dir / ARTIFACT_NAME
    bundle = HeadBundle.load(target)
    b77_all = ds.banking77_texts(settings)
    b77_dev = [b77_all[i] for i in b77_split(settings, seed)[1]]
    ge_texts = [r[0] for r in ds._goemotions_rows(settings, "original", "train")]
    ge_pick = np.random.default_rng(seed).choice(len(ge_texts), size=min(1500, len(ge_texts)), replace=False)
    ge_sample = [ge_texts[i] for i in sorted(ge_pick.tolist())]
    view_adapter, view_head = load_crisis_view(target.parent)
    return target, bundle, shared_encoder(), b77_dev, ge_sample, (view_adapter, view_head)


def history_thresholds(model: SignalModel) -> dict[str, float]:
    """The high-distress thresholds that define a distressed earlier turn for the crisis layer's warning signs
    (``crisis_history_distress``, ``crisis_history_distress_view``): the model's own where it has them, else its
    current high-distress pair. They stay fixed when the high-distress pair is chosen again, so that choice cannot
    move a crisis decision; :func:`retune_crisis_layer` chooses the crisis thresholds under them."""
    head, view = model.threshold("high_distress", OFF), model.threshold("high_distress_view", OFF)
    return {
        "crisis_history_distress": model.threshold("crisis_history_distress", head),
        "crisis_history_distress_view": model.threshold("crisis_history_distress_view", view),
    }


def _save_choice(
    target: Path, bundle: HeadBundle, model: SignalModel, thresholds: dict[str, float], choice: dict[str, object]
) -> None:
    """Save ``thresholds`` and the ``choice`` records with the heads at ``target``, naming the crisis bank and views
    the thresholds were chosen with in the version string."""
    meta = dict(bundle.meta)
    meta["thresholds"] = {**dict(meta.get("thresholds", {})), **thresholds}  # type: ignore[call-overload]
    dev_choice = dict(meta.get("dev_choice", {}))  # type: ignore[call-overload]
    dev_choice.update(choice)
    meta["dev_choice"] = dev_choice
    base = str(meta.get("version", "signals")).split("+")[0]
    view = f"+{model.view_head.version}" if model.view_head is not None else ""
    service = "".join(f"+service-view-{v}" for v in str(meta.get("version", "")).split("+service-view-")[1:2])
    meta["version"] = f"{base}+crisis-{model.bank.version}-{len(model.bank.spec.entries)}{view}{service}"
    replace(bundle, meta=meta).save(target)


def retune_crisis_layer(settings: object, *, seed: int = 13, path: Path | None = None) -> dict[str, object]:
    """Choose the crisis-layer and high-distress thresholds again for the heads at ``path`` (default: the
    artifacts folder) without refitting any head (after the lexicon or the crisis bank changed), and save them
    with the heads. Ordinary text as in training: the BANKING77 dev questions and a seeded GoEmotions sample.
    The crisis thresholds are chosen under the model's :func:`history_thresholds`, which are saved with them."""
    target, bundle, enc, b77_dev, ge_sample, (view_adapter, view_head) = _retune_inputs(settings, seed, path)
    model = SignalModel(bundle, view_head=view_head)
    history = history_thresholds(model)
    model = with_thresholds(model, history)
    crisis_choice = choose_crisis_thresholds(model, enc, b77_dev + ge_sample, view_adapter, conversation_rows())
    model = with_thresholds(model, dict(crisis_choice["thresholds"]))  # type: ignore[call-overload]
    high_choice = choose_high_distress_threshold(model, enc, ge_sample, view_adapter)
    thresholds = {
        **history,
        **dict(crisis_choice["thresholds"]),  # type: ignore[call-overload]
        "high_distress": float(high_choice["threshold"]),  # type: ignore[arg-type]
        "high_distress_view": float(high_choice["view_threshold"]),  # type: ignore[arg-type]
    }
    _save_choice(target, bundle, model, thresholds, {"crisis": crisis_choice, "high_distress": high_choice})
    return {"thresholds": thresholds, "dev_choice": {"crisis": crisis_choice, "high_distress": high_choice}}


def retune_high_distress(settings: object, *, seed: int = 13, path: Path | None = None) -> dict[str, object]:
    """Choose only the high-distress (head, view) pair again (:func:`choose_high_distress_threshold`) for the heads
    at ``path``, keeping every crisis threshold and the :func:`history_thresholds` the crisis thresholds were chosen
    under, and save it with the heads: ``python -m assistant.training.signals.thresholds --high-only``."""
    target, bundle, enc, _, ge_sample, (view_adapter, view_head) = _retune_inputs(settings, seed, path)
    model = SignalModel(bundle, view_head=view_head)
    history = history_thresholds(model)
    model = with_thresholds(model, history)
    high_choice = choose_high_distress_threshold(model, enc, ge_sample, view_adapter)
    thresholds = {
        **history,
        "high_distress": float(high_choice["threshold"]),  # type: ignore[arg-type]
        "high_distress_view": float(high_choice["view_threshold"]),  # type: ignore[arg-type]
    }
    _save_choice(target, bundle, model, thresholds, {"high_distress": high_choice})
    return {"thresholds": thresholds, "dev_choice": {"high_distress": high_choice}}


if __name__ == "__main__":  # python -m assistant.training.signals.thresholds: re-choose the crisis layer's thresholds
    import sys

    from assistant.settings import get_settings

    retune = retune_high_distress if "--high-only" in sys.argv[1:] else retune_crisis_layer
    sys.stdout.write(json.dumps(retune(get_settings()), indent=2, default=str) + "\n")
