"""The shipped signals artifact (fast) and a full retrain against the issue's targets (slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.settings import PROJECT_ROOT, Settings
from assistant.signals.features import FEATURE_NAMES
from assistant.signals.heads import HeadBundle
from assistant.signals.model import ARTIFACT_NAME
from assistant.types import DISTRESS_LEVELS, LITERACY_LEVELS, SENTIMENTS, VULNERABILITY_DRIVERS

ARTIFACT = PROJECT_ROOT / "assistant" / "artifacts" / ARTIFACT_NAME


def test_shipped_artifact_is_small_numpy_and_complete() -> None:
    assert ARTIFACT.exists(), "run `attune train signals`"
    assert ARTIFACT.stat().st_size <= 5 * 1024 * 1024
    with np.load(ARTIFACT, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)
    bundle = HeadBundle.load(ARTIFACT)
    assert bundle.mean.shape == (384 + len(FEATURE_NAMES),)
    assert bundle.meta["feature_names"] == list(FEATURE_NAMES), "lexicon features changed: retrain"
    assert bundle.softmax_heads["sentiment"].classes == SENTIMENTS
    assert bundle.softmax_heads["distress"].classes == DISTRESS_LEVELS
    assert bundle.softmax_heads["literacy"].classes == LITERACY_LEVELS
    assert bundle.sigmoid_heads["vulnerability"].classes == VULNERABILITY_DRIVERS
    assert 0.0 < float(bundle.meta["thresholds"]["handoff"]) <= 0.5  # type: ignore[index]
    assert ARTIFACT.with_suffix(".md").exists()


@pytest.mark.slow
@pytest.mark.integration
def test_retrain_meets_targets(tmp_path: Path) -> None:
    from assistant.signals.train import train_signals

    settings = Settings(environment="test", data_dir=PROJECT_ROOT / ".attune")  # reuse the embedding cache
    report = train_signals(settings, seed=13, progress=False, out_dir=tmp_path)
    assert (tmp_path / ARTIFACT_NAME).stat().st_size <= 5 * 1024 * 1024
    assert report["sentiment"]["macro_f1"] >= 0.70  # type: ignore[index]
    assert report["sentiment"]["macro_f1"] > report["sentiment"]["vader_macro_f1"]  # type: ignore[index]
    assert report["crisis"]["recall"] == 1.0  # type: ignore[index]
    assert report["handoff"]["recall"] >= 0.98  # type: ignore[index]
    assert report["speed"]["signals_median_ms"] <= 10.0  # type: ignore[index]
    train_signals(settings, seed=13, progress=False, out_dir=tmp_path / "again")
    first = HeadBundle.load(tmp_path / ARTIFACT_NAME)
    second = HeadBundle.load(tmp_path / "again" / ARTIFACT_NAME)
    for name, head in first.softmax_heads.items():  # same seed, same weights (up to BLAS float noise)
        assert np.allclose(head.W, second.softmax_heads[name].W, atol=1e-4)
    for name, sig in first.sigmoid_heads.items():
        assert np.allclose(sig.W, second.sigmoid_heads[name].W, atol=1e-4)
