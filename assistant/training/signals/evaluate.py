"""Dev report for the signals heads, side by side with VADER where it applies.

Run ``python -m assistant.training.signals.evaluate`` (after ``attune train signals``) to print the table. Every
figure is computed here from the dev data; nothing is hard-coded. The metrics themselves are
:mod:`eval.metrics` (the project's one implementation); :mod:`assistant.training.signals.report` formats the
table and the model card.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Sequence

import numpy as np

from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.integrations.vader import VaderSentimentAnalyzer
from assistant.settings import Settings, get_settings
from assistant.signals.model import SignalModel
from assistant.training.signals import datasets as ds
from assistant.training.signals.report import format_report
from assistant.types import DISTRESS_LEVELS, LITERACY_LEVELS, SENTIMENTS, VULNERABILITY_DRIVERS, Signals
from eval.metrics import binary_report, classification_report, reliability, top_label

logger = logging.getLogger(__name__)

Labels = Sequence[int] | Sequence[bool] | np.ndarray


# --- metrics ---


def prf(y_true: Labels, y_pred: Labels) -> dict[str, float]:
    """Precision, recall, F1 (rounded to 4 places, 0.0 where undefined) and the support of a binary decision.

    :func:`eval.metrics.binary_report` computes them; this only rounds and names the counts for the report.

    >>> prf([True, True, False], [True, False, False])["f1"]
    0.6667
    """
    r = binary_report(np.asarray(y_true, dtype=bool).tolist(), np.asarray(y_pred, dtype=bool).tolist())
    return {
        "precision": round(float(r["precision"] or 0.0), 4),
        "recall": round(float(r["recall"] or 0.0), 4),
        "f1": round(float(r["f1"] or 0.0), 4),
        "support": r["tp"] + r["fn"],
        "predicted": r["tp"] + r["fp"],
    }


def macro_f1(y_true: Labels, y_pred: Labels, k: int) -> float:
    """Macro-F1 over the class indices ``0..k-1`` (:func:`eval.metrics.classification_report`).

    >>> macro_f1([0, 1, 2, 2], [0, 1, 2, 1], 3)
    0.7777777777777777
    """
    labels = [str(c) for c in range(k)]
    report = classification_report(
        [str(int(c)) for c in np.asarray(y_true)], [str(int(c)) for c in np.asarray(y_pred)], labels
    )
    return float(report["macro_f1"] or 0.0)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa between two labellings of the same items."""
    labels = sorted(set(a) | set(b))
    n = len(a)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pe = sum((a.count(lbl) / n) * (b.count(lbl) / n) for lbl in labels)
    return float((po - pe) / (1 - pe)) if pe < 1 else 1.0


def _probs(signals: Sequence[Signals], attr: str, names: Sequence[str]) -> np.ndarray:
    return np.array([[getattr(s, attr)[n] for n in names] for s in signals])


def top_label_ece(probs: np.ndarray, y: np.ndarray) -> float:
    """Top-label ECE of an n×k probability matrix (:func:`eval.metrics.reliability`)."""
    return float(reliability(*top_label(probs, y))["ece"] or 0.0)


def binary_ece(p: np.ndarray, y: np.ndarray) -> float:
    """ECE of P(positive) against the outcome (:func:`eval.metrics.reliability`)."""
    return float(reliability(p.tolist(), y.astype(bool).tolist())["ece"] or 0.0)


# --- evaluation ---


class _Runner:
    def __init__(self, model: SignalModel, encoder: TextEncoder, settings: Settings, progress: bool) -> None:
        from assistant.training.signals.corpus import SignalCorpus

        self.model = model
        self.corpus = SignalCorpus(encoder, settings.data_dir / "cache" / "signals", progress=progress)
        self.progress = progress

    def run(self, texts: Sequence[str], label: str) -> list[Signals]:
        vectors = self.corpus.vectors(list(texts), label)
        items = range(len(texts))
        if self.progress and len(texts) > 500:
            from tqdm import tqdm

            items = tqdm(items, desc=f"signals {label}", unit="msg", mininterval=2.0)  # type: ignore[assignment]
        return [self.model.predict(texts[i], vectors[i]) for i in items]


def _literacy_agreement() -> dict[str, float | int]:
    first = {
        json.loads(line)["id"]: json.loads(line)["label"]
        for line in (ds.LITERACY_DATA / "labels.jsonl").read_text().splitlines()
        if line.strip()
    }
    second = [
        json.loads(line) for line in (ds.LITERACY_DATA / "labels_pass2.jsonl").read_text().splitlines() if line.strip()
    ]
    a = [first[r["id"]] for r in second]
    b = [r["label"] for r in second]
    return {
        "items": len(b),
        "agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / len(b), 4),
        "cohen_kappa": round(cohen_kappa(a, b), 4),
    }


def measure_speed(model: SignalModel, encoder: TextEncoder, texts: Sequence[str], repeats: int = 1) -> dict[str, float]:
    """Median ms per message for the signals (features + heads + rules) and, separately, the encoder pass."""
    try:
        import torch

        torch.set_num_threads(2)
    except ImportError:  # pragma: no cover
        pass
    sample = list(texts)
    for t in sample[:10]:
        model.predict(t, encoder.encode([t])[0])
    enc_ms: list[float] = []
    sig_ms: list[float] = []
    for _ in range(repeats):
        for t in sample:
            t0 = time.perf_counter()
            vec = encoder.encode([t])[0]
            t1 = time.perf_counter()
            model.predict(t, vec)
            t2 = time.perf_counter()
            enc_ms.append((t1 - t0) * 1000)
            sig_ms.append((t2 - t1) * 1000)
    return {
        "messages": len(sig_ms),
        "signals_median_ms": round(statistics.median(sig_ms), 3),
        "signals_p95_ms": round(float(np.percentile(sig_ms, 95)), 3),
        "encoder_median_ms": round(statistics.median(enc_ms), 3),
        "encoder_p95_ms": round(float(np.percentile(enc_ms, 95)), 3),
        "torch_threads": 2,
    }


def evaluate_signals(
    settings: Settings,
    *,
    model: SignalModel | None = None,
    encoder: TextEncoder | None = None,
    progress: bool = True,
    speed: bool = True,
) -> dict[str, object]:
    """Compute the signals dev report (dict of sections → metrics). See the module docstring."""
    from assistant.signals.model import ARTIFACT_NAME
    from assistant.training.signals.datasets import DEV_FOLDS, b77_split

    enc = encoder or shared_encoder()
    mdl = model or SignalModel.load(settings.artifacts_dir / ARTIFACT_NAME)
    runner = _Runner(mdl, enc, settings, progress)
    vader = VaderSentimentAnalyzer()
    report: dict[str, object] = {"model_version": mdl.version}

    # ----- sentiment: GoEmotions group dev
    ge, dropped = ds.goemotions_sentiment(settings, "dev")
    ge_all = [r[0] for r in ds._goemotions_rows(settings, "original", "dev")]
    sig_all = runner.run(ge_all, "goemotions-dev")
    by_text_index = {cid: i for i, (_, _, cid) in enumerate(ds._goemotions_rows(settings, "original", "dev"))}
    idx = [by_text_index[i.split(":")[2]] for i in ge.ids]
    sig = [sig_all[i] for i in idx]
    y = np.array([SENTIMENTS.index(lbl) for lbl in ge.labels])
    pred = np.array([SENTIMENTS.index(s.sentiment) for s in sig])
    vpred = np.array([SENTIMENTS.index(vader.score(t).label) for t in ge.texts])
    probs = _probs(sig, "sentiment_probs", SENTIMENTS)
    fin = ds.own_examples("finance_sentiment")
    fin_dev = [r for r in fin if r["split"] == "dev"]
    fsig = runner.run([str(r["text"]) for r in fin_dev], "own-finance-dev")
    fy = np.array([SENTIMENTS.index(str(r["label"])) for r in fin_dev])
    fpred = np.array([SENTIMENTS.index(s.sentiment) for s in fsig])
    fv = np.array([SENTIMENTS.index(vader.score(str(r["text"])).label) for r in fin_dev])
    report["sentiment"] = {
        "goemotions_dev_rows": len(y),
        "goemotions_dev_dropped": dropped,
        "macro_f1": round(macro_f1(y, pred, 3), 4),
        "vader_macro_f1": round(macro_f1(y, vpred, 3), 4),
        "accuracy": round(float((y == pred).mean()), 4),
        "vader_accuracy": round(float((y == vpred).mean()), 4),
        "per_class_f1": {c: prf(y == i, pred == i)["f1"] for i, c in enumerate(SENTIMENTS)},
        "ece": round(top_label_ece(probs, y), 4),
        "finance_dev_rows": len(fy),
        "finance_macro_f1": round(macro_f1(fy, fpred, 3), 4),
        "finance_vader_macro_f1": round(macro_f1(fy, fv, 3), 4),
        "finance_accuracy": round(float((fy == fpred).mean()), 4),
        "finance_vader_accuracy": round(float((fy == fv).mean()), 4),
    }

    # ----- distress: GoEmotions original dev + own dev + crisis cases
    gd = ds.goemotions_distress(settings, "dev")
    gy = np.array([DISTRESS_LEVELS.index(lbl) for lbl in gd.labels])
    gpred = np.array([min(DISTRESS_LEVELS.index(s.distress), 2) for s in sig_all])
    gprobs = _probs(sig_all, "distress_probs", DISTRESS_LEVELS)
    vneg = np.array([vader.score(t).compound <= -0.05 for t in gd.texts])
    dis = [r for r in ds.own_examples("distress") if r["split"] == "dev"]
    dsig = runner.run([str(r["text"]) for r in dis], "own-distress-dev")
    dy = np.array([DISTRESS_LEVELS.index(str(r["label"])) for r in dis])
    dpred = np.array([DISTRESS_LEVELS.index(s.distress) for s in dsig])
    cases = ds.own_examples("crisis_cases")
    csig = runner.run([str(r["text"]) for r in cases], "own-crisis-cases")
    cy = np.array([bool(r["crisis"]) for r in cases])
    cpred = np.array([s.distress == "crisis" for s in csig])
    kind_ok = [s.crisis_kind == r["kind"] for s, r in zip(csig, cases, strict=True) if r["crisis"]]
    missed = [str(r["text"]) for r, p in zip(cases, cpred, strict=True) if r["crisis"] and not p]
    false_alarms = [str(r["text"]) for r, p in zip(cases, cpred, strict=True) if not r["crisis"] and p]
    report["distress"] = {
        "goemotions_dev_rows": len(gy),
        "distressed_vs_none": prf(gy > 0, gpred > 0),
        "vader_negative_as_distressed": prf(gy > 0, vneg),
        "level_macro_f1": round(macro_f1(gy, gpred, 3), 4),
        "ece": round(top_label_ece(gprobs[:, :3] / gprobs[:, :3].sum(1, keepdims=True), gy), 4),
        "crisis_flags_in_goemotions_dev": int(sum(s.distress == "crisis" for s in sig_all)),
        "own_dev_rows": len(dy),
        "own_dev_accuracy": round(float((dy == dpred).mean()), 4),
        "own_dev_crisis": prf(dy == 3, dpred == 3),
    }
    report["crisis"] = {
        "cases": len(cy),
        **prf(cy, cpred),
        "kind_accuracy": round(sum(kind_ok) / max(1, len(kind_ok)), 4),
        "missed": missed,
        "false_alarms": false_alarms,
        "model_only_threshold": round(mdl.threshold("crisis_model"), 4),
    }

    # ----- hand-off: NLU++ held-out folds
    nl = ds.nlupp_handoff(settings, DEV_FOLDS)
    hsig = runner.run(nl.texts, "nlupp-dev")
    hy = np.array([lbl == "handoff" for lbl in nl.labels])
    hpred = np.array([s.handoff_requested for s in hsig])
    hp = np.array([s.handoff_prob for s in hsig])
    own_h = [r for r in ds.own_examples("handoff") if r["split"] == "dev"]
    ohsig = runner.run([str(r["text"]) for r in own_h], "own-handoff-dev")
    _, b77_dev_ids = b77_split(settings, int(mdl.meta.get("seed", 13)))  # type: ignore[call-overload]
    b77 = ds.banking77_texts(settings)
    b77_texts = [b77[i] for i in b77_dev_ids]
    bsig = runner.run(b77_texts, "banking77-dev")
    report["handoff"] = {
        "train_folds": "0-11",
        "dev_folds": "-".join(str(f) for f in (DEV_FOLDS[0], DEV_FOLDS[-1])),
        **prf(hy, hpred),
        "ece": round(binary_ece(hp, hy), 4),
        "threshold": round(mdl.threshold("handoff"), 4),
        "oof_recall_train_folds": mdl.meta.get("handoff_oof_recall"),
        "false_alarms": [t for t, y_, p_ in zip(nl.texts, hy, hpred, strict=True) if p_ and not y_],
        "missed": [t for t, y_, p_ in zip(nl.texts, hy, hpred, strict=True) if y_ and not p_],
        "own_dev": prf([bool(r["handoff"]) for r in own_h], [s.handoff_requested for s in ohsig]),
        "banking77_dev_false_positive_rate": round(float(np.mean([s.handoff_requested for s in bsig])), 4),
    }

    # ----- vulnerability: own dev
    vu = [r for r in ds.own_examples("vulnerability") if r["split"] == "dev"]
    vsig = runner.run([str(r["text"]) for r in vu], "own-vulnerability-dev")
    per: dict[str, object] = {}
    all_t: list[bool] = []
    all_p: list[bool] = []
    for d in VULNERABILITY_DRIVERS:
        t = [d in list(r["drivers"]) for r in vu]  # type: ignore[call-overload]
        p = [d in s.vulnerability for s in vsig]
        per[d] = prf(t, p)
        all_t += t
        all_p += p
    vprobs = np.array([[s.vulnerability_probs[d] for d in VULNERABILITY_DRIVERS] for s in vsig])
    vtrue = np.array([[d in list(r["drivers"]) for d in VULNERABILITY_DRIVERS] for r in vu])  # type: ignore[call-overload]
    report["vulnerability"] = {
        "own_dev_rows": len(vu),
        "per_driver": per,
        "micro": prf(all_t, all_p),
        "ece": round(binary_ece(vprobs.ravel(), vtrue.ravel()), 4),
        "banking77_dev_any_driver_rate": round(float(np.mean([bool(s.vulnerability) for s in bsig])), 4),
        "banking77_dev_crisis_flags": int(sum(s.distress == "crisis" for s in bsig)),
        "nlupp_dev_crisis_flags": int(sum(s.distress == "crisis" for s in hsig)),
    }

    # ----- literacy: our labelled dev part
    lit = ds.literacy_labels(settings)
    dev_rows = [i for i, m in enumerate(lit.multi) if m[0] == "dev"]
    ltexts = [lit.texts[i] for i in dev_rows]
    lsig = runner.run(ltexts, "literacy-dev")
    ly = np.array([LITERACY_LEVELS.index(lit.labels[i]) for i in dev_rows])
    lpred = np.array([LITERACY_LEVELS.index(s.literacy_message) for s in lsig])
    lprobs = _probs(lsig, "literacy_probs", LITERACY_LEVELS)
    confusion = np.zeros((3, 3), dtype=int)
    for a, b in zip(ly, lpred, strict=True):
        confusion[a, b] += 1
    majority = np.bincount(ly, minlength=3).max() / len(ly)
    report["literacy"] = {
        "dev_rows": len(ly),
        "accuracy": round(float((ly == lpred).mean()), 4),
        "macro_f1": round(macro_f1(ly, lpred, 3), 4),
        "majority_baseline_accuracy": round(float(majority), 4),
        "ece": round(top_label_ece(lprobs, ly), 4),
        "confusion_rows_true_cols_pred": confusion.tolist(),
        "labelling_agreement": _literacy_agreement(),
    }

    if speed:
        sample = [str(r["text"]) for r in fin] + nl.texts[:100]
        report["speed"] = measure_speed(mdl, enc, sample)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Print the dev report table (and the JSON with ``--json``)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args = list(sys.argv[1:] if argv is None else argv)
    report = evaluate_signals(get_settings(), progress="--quiet" not in args, speed="--no-speed" not in args)
    print(format_report(report))
    if "--json" in args:
        print(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
