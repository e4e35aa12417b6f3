"""Metrics of the evaluation harness against scikit-learn and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from eval import metrics as M


def test_classification_report_matches_sklearn() -> None:
    rng = np.random.default_rng(0)
    labels = ["positive", "neutral", "negative"]
    gold = [labels[i] for i in rng.integers(0, 3, 200)]
    pred = [g if rng.random() < 0.6 else labels[rng.integers(0, 3)] for g in gold]
    rep = M.classification_report(gold, pred, labels)
    assert rep["macro_f1"] == pytest.approx(f1_score(gold, pred, labels=labels, average="macro"))
    assert rep["confusion"] == confusion_matrix(gold, pred, labels=labels).tolist()
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    for i, label in enumerate(labels):
        assert rep["per_label"][label]["precision"] == pytest.approx(p[i])
        assert rep["per_label"][label]["recall"] == pytest.approx(r[i])
        assert rep["per_label"][label]["support"] == s[i]


def test_binary_and_multilabel_reports() -> None:
    rep = M.binary_report([True, True, False, False], [True, False, True, False])
    assert (rep["precision"], rep["recall"], rep["tp"], rep["fn"]) == (0.5, 0.5, 1, 1)
    assert M.binary_report([False], [False])["precision"] is None  # nothing predicted: undefined, not 0
    ml = M.multilabel_report(
        [["health"], ["health", "capability"], []],
        [["health"], ["health"], ["resilience"]],
        ["health", "capability", "resilience", "life_event"],
    )
    # tp=2 (health twice), fp=1 (resilience), fn=1 (capability)
    assert ml["micro_f1"] == pytest.approx(2 / 3)
    assert ml["exact_match"] == pytest.approx(1 / 3)


def test_reliability_of_a_perfectly_calibrated_and_an_overconfident_head() -> None:
    conf = [0.25] * 4 + [0.75] * 4
    calibrated = [True, False, False, False, True, True, True, False]
    assert M.reliability(conf, calibrated)["ece"] == pytest.approx(0.0)
    over = M.reliability([0.95] * 10, [True] * 5 + [False] * 5)
    assert over["ece"] == pytest.approx(0.45)
    assert sum(b["count"] for b in over["bins"]) == 10


def test_ranking_and_percentiles() -> None:
    r = M.ranking_metrics([1, 3, None, 2], (1, 3))
    assert r["top1"] == 0.25 and r["top3"] == 0.75
    assert r["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 2) / 4)
    p = M.percentiles(list(range(1, 101)), (50, 95))
    assert p["p50"] == pytest.approx(50.5) and p["p95"] == pytest.approx(95.05)
    assert M.percentiles([], (50,))["p50"] is None


def test_reliability_is_the_one_calibration_function_with_brier_and_top_label() -> None:
    rel = M.reliability([1.0, 0.0], [True, False])
    assert rel["ece"] == 0.0 and rel["brier"] == 0.0
    conf, right = M.top_label([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]], [0, 1, 1])
    assert conf == [0.8, 0.7, 0.6] and right == [True, True, False]
    assert M.reliability([0.5, 0.5], [True, False])["brier"] == 0.25
