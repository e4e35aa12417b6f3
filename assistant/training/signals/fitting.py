"""Fitting steps shared by the signals heads: standardisation, cross-fitted sigmoid heads with Platt calibration,
the lexical softmax heads, the cross-fitted literacy head, rule precisions and the hand-off F2 threshold.

:func:`assistant.training.signals.train.train_signals` calls them (the lexical heads' through
:mod:`assistant.training.signals.lexical_heads`); each is seeded through its ``seed``.

>>> rule_precision(np.array([True, True, False]), np.array([True, False, False]))
0.5
>>> f2_threshold(np.array([0.9, 0.2, 0.1]), np.array([True, False, False]))
0.5
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.signals.heads import (
    SigmoidHead,
    SoftmaxHead,
    fit_platt,
    fit_vector_scaling,
    train_sigmoid,
    train_softmax,
)

# Sentiment and distress: linear softmax on [standardised dense features | hashed bag of words], Adam.
LEXICAL_L2, LEXICAL_EPOCHS, LEXICAL_LR, LEXICAL_BATCH = 1e-3, 20, 2e-3, 512


@dataclass(frozen=True)
class HeadData:
    """One sigmoid head's training rows: features, targets, weights and cross-fitting groups."""

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    groups: np.ndarray  # cross-fitting group per row (-1: not used for out-of-fold calibration)


def standardiser(blocks: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and standard deviation over the stacked ``blocks`` (a near-constant column keeps std 1)."""
    allx = np.concatenate(blocks, axis=0)
    mean = allx.mean(0)
    std = allx.std(0)
    std[std < 1e-6] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


def oof_sigmoid(
    data: HeadData, classes: tuple[str, ...], fit: Callable[[np.ndarray, np.ndarray, np.ndarray], SigmoidHead]
) -> tuple[np.ndarray, SigmoidHead]:
    """Out-of-fold logits for every row with ``groups >= 0``, and the cross-fit head: the average of the fold
    heads (for linear heads, the average of their logits), whose scale matches the out-of-fold calibration."""
    logits = np.zeros((len(data.y), len(classes)))
    heads: list[SigmoidHead] = []
    for g in sorted(set(data.groups[data.groups >= 0].tolist())):
        tr = data.groups != g
        head = fit(data.x[tr], data.y[tr], data.w[tr])
        heads.append(head)
        logits[data.groups == g] = head.logits(data.x[data.groups == g])
    avg = SigmoidHead(
        name=heads[0].name,
        classes=heads[0].classes,
        W=np.mean([h.W for h in heads], axis=0).astype(np.float32),
        b=np.mean([h.b for h in heads], axis=0).astype(np.float32),
    )
    return logits, avg


def lexical_head(
    x: np.ndarray,
    y: np.ndarray,
    classes: tuple[str, ...],
    name: str,
    w: np.ndarray,
    bow: np.ndarray,
    seed: int,
) -> SoftmaxHead:
    """The sentiment and distress heads: linear softmax on the standardised features plus the bag of words."""
    return train_softmax(
        x,
        y,
        classes,
        name=name,
        weights=w,
        extra=bow,
        l2=LEXICAL_L2,
        epochs=LEXICAL_EPOCHS,
        lr=LEXICAL_LR,
        batch_size=LEXICAL_BATCH,
        seed=seed,
    )


def rule_precision(hit: np.ndarray, positive: np.ndarray) -> float:
    """P(label | rule fired) on training rows, Laplace-smoothed; 0.5 if the rule never fired."""
    n = int(hit.sum())
    return float((positive[hit].sum() + 1) / (n + 2))


def fit_sigmoid_head(
    data: HeadData,
    classes: tuple[str, ...],
    *,
    name: str,
    pos_weight: np.ndarray,
    seed: int,
    l2: float = 1e-2,
    epochs: int = 300,
    lr: float = 0.02,
) -> tuple[SigmoidHead, np.ndarray]:
    """A sigmoid head cross-fitted over ``data.groups`` (:func:`oof_sigmoid`) and Platt-calibrated on its
    out-of-fold logits; returns the head and those logits (the hand-off, vulnerability, crisis, high-distress and
    complaint heads)."""

    def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> SigmoidHead:
        return train_sigmoid(
            x, y, classes, name=name, weights=w, pos_weight=pos_weight, l2=l2, epochs=epochs, lr=lr, seed=seed
        )

    oof, head = oof_sigmoid(data, classes, fit)
    head.platt_a, head.platt_c = fit_platt(oof, data.y)
    return head, oof


def fit_crossfit_softmax(
    x: np.ndarray,
    y: np.ndarray,
    classes: tuple[str, ...],
    *,
    name: str,
    seed: int,
    folds: int = 5,
    l2: float = 3e-2,
    epochs: int = 300,
    lr: float = 0.01,
) -> SoftmaxHead:
    """A softmax head cross-fitted over ``folds`` round-robin groups: the average of the fold heads, vector-scaled
    on their out-of-fold logits (the literacy head)."""
    groups = np.arange(len(y)) % folds
    oof = np.zeros((len(y), len(classes)))
    heads: list[SoftmaxHead] = []
    for g in range(folds):
        head = train_softmax(
            x[groups != g],
            y[groups != g],
            classes,
            name=name,
            l2=l2,
            epochs=epochs,
            lr=lr,
            seed=seed,
        )
        oof[groups == g] = head.logits(x[groups == g])
        heads.append(head)
    crossfit = SoftmaxHead(  # cross-fit: average of the fold heads, matching the out-of-fold calibration
        name=name,
        classes=classes,
        W=np.mean([h.W for h in heads], axis=0).astype(np.float32),
        b=np.mean([h.b for h in heads], axis=0).astype(np.float32),
    )
    crossfit.temperature, crossfit.calib_bias = fit_vector_scaling(oof, y)
    return crossfit


def f2_threshold(p: np.ndarray, true: np.ndarray) -> float:
    """The threshold <= 0.5 maximising F2 (recall weighted 4x) of probabilities ``p`` against ``true``."""
    best_f2, best_t = -1.0, 0.5
    for t in sorted({float(v) - 1e-6 for v in p[true] if v <= 0.5} | {0.5}, reverse=True):
        pred = p >= t
        tp = float((pred & true).sum())
        prec, rec = tp / max(1.0, float(pred.sum())), tp / max(1.0, float(true.sum()))
        f2 = 5 * prec * rec / max(1e-9, 4 * prec + rec)
        if f2 > best_f2 + 1e-9:
            best_f2, best_t = f2, t
    return best_t
