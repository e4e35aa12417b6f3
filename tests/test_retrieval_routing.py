"""Routing head training pieces, the comparison harness, and (slow) the full reproducible training run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.integrations.bm25 import Bm25Index, tokenize
from assistant.integrations.determinism import deterministic_training
from assistant.integrations.encoder import SentenceTransformerEncoder
from assistant.integrations.layer_adapter import ADAPTER_FILE
from assistant.kb.routing import HEAD_FILE, FeatureSpec, RoutingHead
from assistant.settings import Settings
from assistant.training.routing.evaluate import compare_retrievers, evaluate_routing, format_table
from assistant.training.routing.metrics import miss_bucket, rank_metrics
from assistant.training.routing.train import TrainingSet, fit_head, fit_logistic, fit_mlp

FIXTURE = Path(__file__).parent / "fixtures" / "kb"


def _toy() -> tuple[TrainingSet, FeatureSpec]:
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8, dtype=np.float32)
    labels = np.repeat(np.arange(3), 20)
    vectors = centres[labels] + 0.1 * rng.normal(size=(60, 8)).astype(np.float32)
    texts = [["lost card", "exchange rate", "top up"][i] + f" {j}" for j, i in enumerate(labels)]
    targets = np.eye(3, dtype=np.float32)[labels]
    spec = FeatureSpec(dim=8, word_buckets=64, char_buckets=64)
    spec.fit_idf(texts)
    return TrainingSet(texts, vectors, targets), spec


def test_linear_head_learns_and_is_deterministic() -> None:
    data, spec = _toy()
    w1, b1 = fit_head(data, spec, seed=13)
    w2, b2 = fit_head(data, spec, seed=13)
    assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    head = RoutingHead(("a", "b", "c"), spec, w1, b1, {}, np.zeros(7), 0.0, np.zeros(7), np.ones(7))
    probs = head.predict_proba(data.vectors, data.texts)
    assert (probs.argmax(1) == data.targets.argmax(1)).all()
    assert np.allclose(probs.sum(1), 1.0)
    dense = spec.dense(data.vectors[:2], data.texts[:2]) @ w1 + b1
    assert np.allclose(dense, head.logits(data.vectors[:2], data.texts[:2]), atol=1e-4)


def test_mlp_branch_learns_and_is_deterministic() -> None:
    data, spec = _toy()
    m1 = fit_mlp(data, seed=13, hidden=16, epochs=60, batch=8)
    m2 = fit_mlp(data, seed=13, hidden=16, epochs=60, batch=8)
    assert all(np.array_equal(m1[k], m2[k]) for k in m1)
    w, b = fit_head(data, spec, seed=13)
    head = RoutingHead(("a", "b", "c"), spec, w, b, {}, np.zeros(7), 0.0, np.zeros(7), np.ones(7), mlp=m1)
    assert (head.mlp_logits(data.vectors).argmax(1) == data.targets.argmax(1)).mean() > 0.95


def test_tuned_branch_is_averaged_in_and_survives_save_load(tmp_path: Path) -> None:
    data, spec = _toy()
    w, b = fit_head(data, spec, seed=13)
    tuned = {"weight": np.eye(8, 3, dtype=np.float32), "bias": np.zeros(3, np.float32)}
    head = RoutingHead(("a", "b", "c"), spec, w, b, {}, np.zeros(7), 0.0, np.zeros(7), np.ones(7), tuned=tuned)
    routing = np.eye(3, 8, dtype=np.float32)[[2, 2]]  # the routing view says "c" for both rows
    without = head.predict_proba(data.vectors[:2], data.texts[:2])
    with_view = head.predict_proba(data.vectors[:2], data.texts[:2], routing)
    expected = 0.5 * without + 0.5 * np.exp(20 * routing[:, :3]) / np.exp(20 * routing[:, :3]).sum(1, keepdims=True)
    assert np.allclose(with_view, expected, atol=1e-5) and np.allclose(with_view.sum(1), 1.0)
    head.save(tmp_path / "h.npz")
    loaded = RoutingHead.load(tmp_path / "h.npz")
    assert loaded.tuned_weight == 0.5 and loaded.tuned_scale == 20.0
    assert np.allclose(loaded.predict_proba(data.vectors[:2], data.texts[:2], routing), with_view, atol=1e-3)


def test_committed_routing_artifacts_belong_together() -> None:
    """The committed head was trained with the committed adapter and knowledge base; all artifacts <= 14 MB (the
    three adapters, routing, crisis view and service view, are about 3.2 MB each)."""
    from assistant.integrations.layer_adapter import LayerAdapter
    from assistant.kb.loader import load_kb
    from assistant.kb.routing import questions_fingerprint

    s = Settings()
    head_path, adapter_path = s.artifacts_dir / HEAD_FILE, s.artifacts_dir / ADAPTER_FILE
    if not head_path.is_file():
        pytest.skip("no trained routing head committed")
    head = RoutingHead.load(head_path)
    assert head.tuned is not None and adapter_path.is_file()
    assert LayerAdapter.load(adapter_path).fingerprint() == head.meta["adapter"]
    assert head.meta["questions_fingerprint"] == questions_fingerprint(load_kb(s.kb_dir))
    total = sum(p.stat().st_size for p in s.artifacts_dir.iterdir() if p.is_file())
    assert total <= 14 * 1000 * 1000


def test_logistic_calibration_fits_a_probability() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 2))
    y = (rng.random(400) < 1 / (1 + np.exp(-2 * x[:, 0]))).astype(float)
    coef, bias, mean, std = fit_logistic(x, y)
    assert coef[0] > 1.0 and abs(coef[1]) < 0.5


def test_rank_metrics_and_miss_buckets() -> None:
    m = rank_metrics([["a", "b"], ["b", "a"], ["c", "d"]], [{"a"}, {"a"}, {"a"}])
    assert m["top1"] == pytest.approx(1 / 3) and m["top3"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert (m["rank4"], m["rank5"], m["rank6_10"], m["beyond10"]) == (0.0, 0.0, 0.0, 1.0)
    far = rank_metrics([[*"bcde", "a"], [*"bcdefgh", "a"], [*"bcdefghijk", "a"]], [{"a"}] * 3)
    assert (far["rank5"], far["rank6_10"], far["beyond10"], far["top3"]) == (1.0, 1.0, 1.0, 0.0)
    assert far["mrr"] == pytest.approx((1 / 5 + 1 / 8 + 1 / 11) / 3)
    assert [miss_bucket(p) for p in (0, 2, 3, 4, 9, 10, None)] == [
        None, None, "rank4", "rank5", "rank6_10", "beyond10", "beyond10"
    ]  # fmt: skip


def test_format_table_reports_every_out_of_scope_set_and_the_blind_tags() -> None:
    row = {"top1": 0.9, "top3": 0.95, "mrr": 0.92}
    metrics: dict[str, object] = {
        "dev_n": 1999, "dev_uncovered": 0, "kb_articles": 3,
        "dev": {"ours": {"top1": 1879 / 1999, "top3": 1968 / 1999, "mrr": 0.96, "rank4": 8.0, "rank5": 7.0,
                         "rank6_10": 12.0, "beyond10": 4.0}, "bm25": row},
        "dev_calibration": {"ece": 0.01, "brier": 0.1}, "threshold": 0.35, "dev_accept_rate": 0.98,
        "dev_accuracy_when_accepted": 0.95, "oos_test_false_match": 0.016, "oos_test_n": 63.0,
        "oos_test_mean_conf": 0.1, "oos_dev_false_match": 0.0, "oos_dev_n": 63.0, "ms_per_query": 4.0,
        "oos_fresh_false_match": 0.035, "oos_fresh_n": 143.0, "oos_blind_false_match": 0.05, "oos_blind_n": 140.0,
        "oos_blind_by_tag": {"chitchat": {"n": 11, "false_match": 0.0}, "other_bank": {"n": 20, "false_match": 0.1}},
    }  # fmt: skip
    table = format_table(metrics)
    assert "| BM25 alone over article texts | 0.9000 | 0.9500 | 0.9200 |" in table
    assert "| 0.9400 |" in table and "top-1 1879 of 1999 (93.997 %), top-3 1968 of 1999 (98.449 %)" in table
    assert "ranks 4th for 8 queries, 5th for 7, 6th to 10th for 12 and lower for 4." in table
    assert "test_fresh.txt`, never trained on): false-match 0.0350 (n=143)" in table
    assert "false-match 0.0500 (n=140); by its writer's tags: chitchat 0.000 (n=11), other_bank 0.100 (n=20)" in table
    assert table.splitlines()[-1].startswith("Ours: 4.0 ms per query")


def test_format_table_reports_the_false_matches_left_after_the_scope_screen() -> None:
    row = {"top1": 0.9, "top3": 0.95, "mrr": 0.92}
    tags = {"misuse": {"n": 16, "false_match": 0.25, "false_match_screened": 0.0}}
    metrics: dict[str, object] = {
        "dev_n": 1999, "dev_uncovered": 0, "kb_articles": 3, "dev": {"ours": row}, "dev_screened": 0,
        "dev_calibration": {"ece": 0.01, "brier": 0.1}, "threshold": 0.35, "dev_accept_rate": 0.98,
        "dev_accuracy_when_accepted": 0.95, "oos_test_false_match": 0.016, "oos_test_n": 63.0,
        "oos_test_mean_conf": 0.1, "oos_dev_false_match": 0.0, "oos_dev_n": 63.0, "ms_per_query": 4.0,
        "oos_test_false_match_screened": 0.016, "oos_blind_false_match": 0.07, "oos_blind_n": 140.0,
        "oos_blind_false_match_screened": 0.02, "oos_blind_by_tag": tags,
    }  # fmt: skip
    table = format_table(metrics)
    assert "false-match test half 0.0160, `test_blind.tsv` 0.0200; dev queries screened out 0 of 1999" in table
    assert "After the screen, `test_blind.tsv` by tag: misuse 0.000." in table
    assert "test_fresh" not in table and table.splitlines()[-1].startswith("Ours: 4.0 ms per query")


def test_bm25_adapter_ranks_lexical_matches() -> None:
    index = Bm25Index(["how to freeze a lost card", "currency exchange rates", "top up by bank transfer"])
    assert index.top("exchange rate for dollars", 1)[0][0] == 1
    assert index.scores("").tolist() == [0.0, 0.0, 0.0]
    assert tokenize("The cards were charged") == ["card", "charg"]


@pytest.mark.integration
def test_compare_retrievers_on_the_fixture(encoder: SentenceTransformerEncoder, settings: Settings) -> None:
    if not (Settings().artifacts_dir / HEAD_FILE).is_file():
        pytest.skip("no trained routing head")
    s = settings.model_copy(update={"kb_dir": FIXTURE})
    queries = [
        ("my card hasn't turned up", "card_arrival"),
        ("how long does it take for a card to be delivered", "card_delivery_estimate"),
        ("my purse was stolen with my card", "lost_or_stolen_card"),
        ("is there a charge to change currency", "exchange_charge"),
        ("what's the top up limit", "top_up_limits"),
        ("I'm drowning in debt", "financial_difficulty"),
        ("what interest do you pay on savings", "savings_and_interest"),
        ("my pin is blocked", "pin_blocked"),  # no fixture article: every retriever misses it
    ]
    table = compare_retrievers(queries, s, encoder=encoder, progress=False)
    assert set(table) >= {"ours", "bm25", "knn", "head", "dense"}
    assert table["uncovered"] == 1
    assert table["ours"]["top1"] == pytest.approx(7 / 8)
    for name in ("ours", "bm25", "knn"):
        m = table[name]
        assert 0 <= m["top1"] <= m["top3"] <= 7 / 8 and m["top1"] <= m["mrr"] <= 1 and m["n"] == 8
    assert len(table["ours_confidence"]) == 8 and all(0 <= c <= 1 for c in table["ours_confidence"])
    positions = table["ours_position"]
    assert positions[-1] is None and positions.count(0) == 7 and table["ours_correct"] == [p == 0 for p in positions]


@pytest.mark.slow
def test_training_is_reproducible_and_meets_the_floor(tmp_path: Path) -> None:
    """Full `attune train routing` into a temporary artifacts folder (about 25 minutes on 2 idle CPU cores: five
    routing adapters are fine-tuned, one per fold and the final one)."""
    from assistant.training.routing.train import train_routing

    base = Settings()
    if not (base.shared_data_dir / "banking77" / "train.csv").is_file():
        pytest.skip("BANKING77 not available")
    s = base.model_copy(update={"artifacts_dir": tmp_path})
    with deterministic_training(13):
        metrics = train_routing(s, progress=False)
    path = tmp_path / HEAD_FILE
    adapter_path = tmp_path / ADAPTER_FILE
    assert path.stat().st_size + adapter_path.stat().st_size <= 8 * 1000 * 1000
    assert (tmp_path / "routing_head.md").is_file()
    # Regression floors, below issue #3's targets (top-1 0.94, top-3 0.99); the committed router meets the first:
    # top-1 1883 of 1999 = 0.94197, top-3 1965 of 1999 = 0.98299. The closing note and the model card report it.
    assert metrics["dev"]["ours"]["top1"] >= 0.935 and metrics["dev"]["ours"]["top3"] >= 0.98
    assert metrics["dev"]["ours"]["top1"] > metrics["dev"]["knn"]["top1"] > metrics["dev"]["bm25"]["top1"]
    assert "| retriever |" in format_table(metrics)
    assert metrics["uk"]["ours"]["top1"] >= 0.93 and metrics["uk"]["ours"]["top1"] > metrics["uk"]["knn"]["top1"]
    committed = base.artifacts_dir / HEAD_FILE
    new = RoutingHead.load(path)
    if not committed.is_file():
        return
    old = RoutingHead.load(committed)
    same_data = ("questions_fingerprint", "extra_data_fingerprint")
    if all(old.meta.get(key) == new.meta[key] for key in same_data):
        # Same training data, same seed: the same decisions. Weights are not compared: the CPU's BLAS kernels round
        # differently in the last bits and AdamW carries that over five fine-tunings (see determinism.py), while a
        # query far from a tie keeps its ranking. At most 0.5 % of the dev queries may change their top-1 article
        # (near ties), and the dev figures stay within 6 queries of the committed router's.
        shipped = evaluate_routing(base, seed=13, progress=False)["dev"]["ours_position"]
        fresh = metrics["dev"]["ours_position"]
        changed = sum((a == 0) != (b == 0) for a, b in zip(fresh, shipped, strict=True))
        assert changed <= 0.005 * len(fresh)
        for k in (1, 3):
            hits_new = sum(p is not None and p < k for p in fresh)
            hits_old = sum(p is not None and p < k for p in shipped)
            assert abs(hits_new - hits_old) <= 6
