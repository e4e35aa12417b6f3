"""The crisis view (issue #19): its head's artifact, the encoder's one-pass views, how the rule layer uses it,
and the rows it is trained on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from row_texts import blind_texts, dev_texts

from assistant.integrations.encoder import shared_encoder
from assistant.integrations.layer_adapter import LayerAdapter
from assistant.settings import get_settings
from assistant.signals.crisis_view import VIEW_CLASSES, VIEW_KINDS, CrisisViewHead, load_crisis_view, window_text
from assistant.signals.model import SignalModel
from assistant.training.signals.crisis_thresholds import OFF, SOURCE_ORDERS, _greedy, written_rows
from assistant.training.signals.crisis_view import VIEW_FOLDERS, _paired_windows, view_class, view_rows
from assistant.training.signals.datasets import sgd_user_windows

TEXTS = ["I lost my card", "he watches every penny I spend and I'm not allowed my own wages"]


def _one_hot_head(cls: str) -> CrisisViewHead:
    """A head that reads any view as ``cls`` (its bias alone decides)."""
    bias = np.full(len(VIEW_CLASSES), -1.0, np.float32)
    bias[VIEW_CLASSES.index(cls)] = 1.0
    return CrisisViewHead(np.zeros((384, len(VIEW_CLASSES)), np.float32), bias, meta={"version": "test-view"})


def test_head_round_trips_and_sums_the_kinds(tmp_path: Path) -> None:
    head = _one_hot_head("threat")
    head.save(tmp_path / "head.npz")
    loaded = CrisisViewHead.load(tmp_path / "head.npz")
    score = loaded.score(np.ones(384, np.float32))
    assert loaded.version == "test-view" and loaded.classes == VIEW_CLASSES
    assert score.kind == "threat" and score.p_crisis > 0.99
    assert sum(score.probs.values()) == pytest.approx(1.0, abs=1e-3)
    assert _one_hot_head("ordinary").score(np.ones(384, np.float32)).p_crisis < 0.01


def test_one_pass_gives_each_adapter_the_view_it_gives_alone() -> None:
    encoder = shared_encoder()
    routing_like, crisis_like = LayerAdapter.copy_of(encoder.auto_model, 4), LayerAdapter.copy_of(encoder.auto_model, 3)
    base, views = encoder.encode_multi(TEXTS, [routing_like, crisis_like])
    alone_base, alone = encoder.encode_views(TEXTS, routing_like)
    assert np.array_equal(base, alone_base)  # the same forward pass, with or without a second adapter
    # encode() runs the library's own pass (its batching and kernels): equal up to float32 rounding, which
    # differs between CPUs (1.5e-8 on one of ours), so compared at a tolerance far below any decision
    assert np.allclose(base, encoder.encode(TEXTS), rtol=0, atol=1e-6)
    assert alone is not None and np.allclose(views[0], alone, atol=1e-5)
    # the untouched top layers reproduce the shared vector, whichever layer they start from
    assert np.allclose(views[1], base, atol=1e-4)


def test_a_view_alone_is_the_view_the_full_pass_gives() -> None:
    """``encode_view`` (the window's pass: the shared layers below the adapter, then its layers) gives the view
    ``encode_multi`` gives, whichever layer the adapter starts from, one text or several of unequal length."""
    encoder = shared_encoder()
    window = window_text("even if it was on purpose?", ["does my life cover pay out for every cause", *TEXTS])
    texts = [*TEXTS, str(window)]
    for start in (3, 4):
        adapter = LayerAdapter.copy_of(encoder.auto_model, start)
        _, (full,) = encoder.encode_multi(texts, [adapter])
        assert np.allclose(encoder.encode_view(texts, adapter), full, atol=1e-5)
        assert np.allclose(encoder.encode_view(texts[-1:], adapter), full[-1:], atol=1e-5)
    assert encoder.encode_view([], adapter).shape == (0, 384)


def test_the_rule_layer_uses_the_view_at_its_threshold_and_never_on_a_figure_of_speech() -> None:
    base = SignalModel.load()
    model = SignalModel(base.bundle, base.extractor, base.misuse, base.bank, _one_hot_head("abuse"))
    model._thr["crisis_view"] = 0.9
    encoder = shared_encoder()
    ordinary = "can I change the name on my savings account"
    signals = model.predict(ordinary, encoder.encode([ordinary])[0], (), np.ones(384, np.float32))
    assert signals.distress == "crisis" and signals.crisis_kind == "abuse"
    assert signals.cues["crisis"][0].startswith("crisis view p=")
    without_view = model.predict(ordinary, encoder.encode([ordinary])[0])
    assert without_view.distress != "crisis"
    hyperbole = "this overdraft fee is killing me lol"
    trapped = model.predict(hyperbole, encoder.encode([hyperbole])[0], (), np.ones(384, np.float32))
    assert trapped.distress != "crisis"
    model._thr["crisis_view"] = OFF
    assert model.predict(ordinary, encoder.encode([ordinary])[0], (), np.ones(384, np.float32)).distress != "crisis"


def test_the_view_is_trained_on_train_rows_only_and_covers_every_class() -> None:
    texts, classes = view_rows(get_settings(), 13)
    assert set(classes) == set(VIEW_CLASSES) and len(texts) == len(set(texts))
    dev, blind = dev_texts(VIEW_FOLDERS), blind_texts()
    assert not dev & set(texts)
    # a few stock phrases ("agent pls", "operator") were written independently by our writers and the blind writers
    assert all(len(t.split()) <= 10 for t in blind & set(texts)) and len(blind & set(texts)) <= 10
    assert view_class({"distress": "crisis", "crisis_kind": "emergency"}) == "emergency"
    assert view_class({"label": "mild"}) == "mild"


def test_the_shipped_view_loads_in_pairs() -> None:
    adapter, head = load_crisis_view(get_settings().artifacts_dir)
    assert (adapter is None) == (head is None)
    if head is not None:
        assert set(VIEW_KINDS) <= set(head.classes)


def test_the_view_gets_its_threshold_in_every_order_when_it_is_there() -> None:
    start = {
        "crisis_view": OFF,
        "crisis_view_window": OFF,
        "crisis_head": OFF,
        "crisis_model": OFF,
        "crisis_warning_distress": OFF,
    }

    def rates(th: dict[str, float]) -> tuple[float, float]:
        return (0.8, 0.5) if th["crisis_view"] <= 0.99 else (0.0, 0.0)

    for order in SOURCE_ORDERS.values():
        assert _greedy(order, start, rates, heads=False, view=True)["crisis_view"] < OFF
        assert _greedy(order, start, rates, heads=False, view=False)["crisis_view"] == OFF


def test_the_rule_layer_reads_the_window_of_the_last_turns_at_its_own_threshold() -> None:
    base = SignalModel.load()
    model = SignalModel(base.bundle, base.extractor, base.misuse, base.bank, _one_hot_head("self_harm"))
    model._thr.update({"crisis_view": OFF, "crisis_view_window": OFF, "crisis_view_joined": 0.9})
    encoder = shared_encoder()
    ordinary = "can I change the name on my savings account"
    vec = encoder.encode([ordinary])[0]
    read_together = model.predict(ordinary, vec, (), None, None, np.ones(384, np.float32))
    assert read_together.distress == "crisis" and read_together.crisis_kind == "self_harm"
    assert "read together" in read_together.cues["crisis"][0]
    assert model.predict(ordinary, vec).distress != "crisis"  # a first turn has no window
    hyperbole = "this overdraft fee is killing me lol"
    trapped = model.predict(hyperbole, encoder.encode([hyperbole])[0], (), None, None, np.ones(384, np.float32))
    assert trapped.distress != "crisis"
    model._thr["crisis_view_joined"] = OFF
    assert model.predict(ordinary, vec, (), None, None, np.ones(384, np.float32)).distress != "crisis"


def test_the_view_also_learns_windows_of_turns_labelled_by_where_they_end() -> None:
    texts, classes = view_rows(get_settings(), 13)
    label = dict(zip(texts, classes, strict=True))
    windows = [t for t in texts if "\n" in t]
    assert len(windows) > 2000
    # a written row with context is learnt as its window too, with the row's label
    row = next(r for r in written_rows("crisis_distress", "train") if r.get("context") and r["distress"] == "crisis")
    window = window_text(str(row["text"]), [str(c) for c in row["context"]])
    assert window is not None and label[window] == row["crisis_kind"]
    # ordinary conversations (SGD Banks) stay ordinary over their windows
    sgd = {window_text(m, e) for m, e in sgd_user_windows(get_settings()) if e}
    assert sum(label.get(w or "") == "ordinary" for w in sgd) >= 1000
    # paired windows take the class of their last message, and none ends quiet after a crisis
    pairs = [("I can't go on, I've put my affairs in order", "self_harm"), ("what's my balance", "ordinary")]
    paired = dict(_paired_windows(pairs, 13))
    assert paired and set(paired.values()) <= {"self_harm", "ordinary"}
    assert all(w.endswith(pairs[0][0] if cls == "self_harm" else pairs[1][0]) for w, cls in paired.items())
    assert f"{pairs[0][0]}\n{pairs[1][0]}" not in paired
