"""Numpy heads, calibration, npz round-trip, literacy smoothing and agreement metrics (fast tier)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ModelUnavailableError
from assistant.signals.heads import (
    HeadBundle,
    fit_platt,
    fit_vector_scaling,
    train_sigmoid,
    train_softmax,
)
from assistant.signals.literacy_smoothing import normalised_entropy, smooth_literacy
from assistant.training.signals.evaluate import cohen_kappa, macro_f1, prf
from eval.metrics import reliability, top_label


def _toy(seed: int = 0, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int) + (x[:, 2] > 1).astype(int)
    return x, y


def test_softmax_training_is_seeded_and_learns() -> None:
    x, y = _toy()
    a = train_softmax(x, y, ("a", "b", "c"), name="t", hidden=8, epochs=30, batch_size=64, seed=5)
    b = train_softmax(x, y, ("a", "b", "c"), name="t", hidden=8, epochs=30, batch_size=64, seed=5)
    assert np.array_equal(a.W, b.W)
    assert (a.predict_proba(x).argmax(1) == y).mean() > 0.8


def test_probabilities_sum_to_one_after_calibration() -> None:
    x, y = _toy()
    head = train_softmax(x, y, ("a", "b", "c"), name="t", epochs=200)
    head.temperature, head.calib_bias = fit_vector_scaling(head.logits(x), y)
    p = head.predict_proba(x)
    assert np.allclose(p.sum(1), 1.0, atol=1e-6)
    assert head.temperature > 0


def test_temperature_scaling_reduces_ece_of_overconfident_logits() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, size=2000)
    logits = rng.normal(size=(2000, 3))
    logits[np.arange(2000), y] += 1.0
    logits *= 6.0  # overconfident
    before = reliability(*top_label(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), y))["ece"]
    t, c = fit_vector_scaling(logits, y)
    z = logits / t + c
    after = reliability(*top_label(np.exp(z) / np.exp(z).sum(1, keepdims=True), y))["ece"]
    assert t > 2 and after < before / 2


def test_sigmoid_head_and_platt() -> None:
    x, y = _toy()
    yy = np.stack([y == 1, y == 2], axis=1).astype(int)
    head = train_sigmoid(x, yy, ("one", "two"), name="t", epochs=200)
    head.platt_a, head.platt_c = fit_platt(head.logits(x), yy)
    p = head.predict_proba(x)
    assert p.shape == (len(x), 2) and ((p >= 0) & (p <= 1)).all()


def test_bundle_round_trip_without_pickle(tmp_path: Path) -> None:
    x, y = _toy()
    sm = train_softmax(x, y, ("a", "b", "c"), name="s", hidden=4, epochs=5, batch_size=100)
    sg = train_sigmoid(x, (y == 1)[:, None].astype(int), ("h",), name="g", epochs=20)
    bundle = HeadBundle(x.mean(0), x.std(0), {"s": sm}, {"g": sg}, {"version": "t", "thresholds": {"h": 0.3}})
    path = tmp_path / "heads.npz"
    bundle.save(path)
    loaded = HeadBundle.load(path)
    assert loaded.meta["thresholds"] == {"h": 0.3}
    assert np.allclose(loaded.softmax_heads["s"].predict_proba(x), sm.predict_proba(x), atol=1e-6)
    assert np.allclose(loaded.sigmoid_heads["g"].predict_proba(x), sg.predict_proba(x), atol=1e-6)
    with np.load(path, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)


def test_missing_bundle_raises_model_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError):
        HeadBundle.load(tmp_path / "nope.npz")


def test_literacy_smoothing_resists_one_short_message() -> None:
    expert = {"novice": 0.05, "intermediate": 0.2, "expert": 0.75}
    short_novice = {"novice": 0.42, "intermediate": 0.3, "expert": 0.28}  # shrunk: little evidence
    level, conf, probs = smooth_literacy([expert, expert, short_novice])
    assert level == "expert" and conf > 0.5
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-3)


def test_literacy_smoothing_follows_consistent_evidence() -> None:
    novice = {"novice": 0.8, "intermediate": 0.15, "expert": 0.05}
    expert = {"novice": 0.05, "intermediate": 0.15, "expert": 0.8}
    assert smooth_literacy([novice, expert, expert, expert])[0] == "expert"
    assert smooth_literacy([])[0] == "novice"
    assert normalised_entropy([1 / 3] * 3) == pytest.approx(1.0)


def test_metrics() -> None:
    assert prf([True, True, False], [True, False, False]) == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "support": 2,
        "predicted": 1,
    }
    assert macro_f1([0, 1], [0, 1], 2) == 1.0
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "a"]) == 1.0
    assert cohen_kappa(["a", "b", "a", "b"], ["b", "a", "b", "a"]) < 0
