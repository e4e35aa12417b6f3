"""The service view (issue #19): its head's artifact, the grouped loss it is trained with, the rows it is trained
on, how the rule layer blends it in for hand-off, complaints and vulnerability, and the shipped choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from row_texts import blind_texts, dev_texts

from assistant.integrations.encoder import shared_encoder
from assistant.integrations.layer_adapter import fit_layer_adapter
from assistant.settings import get_settings
from assistant.signals.model import SignalModel
from assistant.signals.service_view import (
    SERVICE_LABELS,
    ServiceViewHead,
    blend,
    load_service_view,
    service_groups,
)
from assistant.stages.encode import MessageEncoder
from assistant.training.signals.service_thresholds import best_pair
from assistant.training.signals.service_view import SERVICE_FOLDERS, service_rows, targets_of
from assistant.types import Redacted

DIM = 384


def _head_saying(*labels: str) -> ServiceViewHead:
    """A head that reads any view as yes to ``labels`` and no to the rest (its bias alone decides)."""
    bias = np.zeros(2 * len(SERVICE_LABELS), np.float32)
    for i, label in enumerate(SERVICE_LABELS):
        bias[2 * i + int(label in labels)] = 1.0
    return ServiceViewHead(np.zeros((DIM, 2 * len(SERVICE_LABELS)), np.float32), bias, meta={"version": "test"})


def test_head_round_trips_and_reads_each_label_on_its_own(tmp_path: Path) -> None:
    _head_saying("handoff", "capability").save(tmp_path / "head.npz")
    head = ServiceViewHead.load(tmp_path / "head.npz")
    p = head.probs(np.ones(DIM, np.float32))
    assert head.version == "test" and head.labels == SERVICE_LABELS
    assert p["handoff"] > 0.99 and p["capability"] > 0.99
    assert p["complaint"] < 0.01 and p["health"] < 0.01
    assert service_groups()[:2] == [(0, 2), (2, 4)]
    assert blend(0.8, 0.2, 0.0) == 0.8 and blend(0.8, 0.2, 1.0) == 0.2


def test_targets_leave_unlabelled_groups_unknown() -> None:
    t = targets_of({"complaint": True})
    assert t[2:4].tolist() == [0.0, 1.0] and t[:2].sum() == 0 and t[4:].sum() == 0
    assert targets_of({"ordinary": True})[0::2].sum() == len(SERVICE_LABELS)
    assert targets_of({"drivers": []})[4:].tolist() == [1.0, 0.0] * 4


def test_a_group_a_row_is_not_labelled_for_does_not_train() -> None:
    """Rows labelled in the first group only: the second group's classifier columns get no gradient (AdamW's
    weight decay alone moves them from the seeded start), so flipping the first group's labels leaves them as they
    are, while labelling the second group moves them."""
    encoder = shared_encoder()
    states = encoder.hidden_states(["agent please", "what is my balance"], 5)
    kwargs = {"start_layer": 5, "seed": 3, "epochs": 1, "batch": 2, "groups": [(0, 2), (2, 4)]}
    runs = {
        name: fit_layer_adapter(encoder.auto_model, states, np.array(t, np.float32), **kwargs)[1]
        for name, t in {
            "first only": [[0, 1, 0, 0], [1, 0, 0, 0]],
            "first flipped": [[1, 0, 0, 0], [0, 1, 0, 0]],
            "both": [[0, 1, 0, 1], [1, 0, 1, 0]],
        }.items()
    }
    assert not np.allclose(runs["first only"][:, :2], runs["first flipped"][:, :2])
    assert np.array_equal(runs["first only"][:, 2:], runs["first flipped"][:, 2:])
    assert not np.allclose(runs["first only"][:, 2:], runs["both"][:, 2:])


def test_rows_are_train_rows_only_and_never_blind() -> None:
    texts, targets, counts = service_rows(get_settings(), 13)
    assert len(texts) == len(set(texts)) == len(targets)
    assert counts["banking77"] > 1000 and counts["cfpb"] > 100
    for i in range(len(SERVICE_LABELS)):
        assert targets[:, 2 * i + 1].sum() > 50  # every label has positives
    dev, blind = dev_texts(SERVICE_FOLDERS), blind_texts()
    assert not dev & set(texts)
    # a few stock phrases ("agent pls") were written independently by our writers and the blind writers
    assert all(len(t.split()) <= 10 for t in blind & set(texts)) and len(blind & set(texts)) <= 10


def _model(head: ServiceViewHead, weights: dict[str, float]) -> SignalModel:
    base = SignalModel.load()
    model = SignalModel(base.bundle, base.extractor, base.misuse, base.bank, base.view_head, head)
    model._thr.update(weights)
    return model


@pytest.mark.parametrize(
    ("text", "label"),
    [("can I change the name on my savings account", "handoff"), ("what time do branches open", "complaint")],
)
def test_the_view_counts_at_its_weight_and_only_with_a_view(text: str, label: str) -> None:
    model = _model(_head_saying(label), {f"service_weight.{label}": 1.0, label: 0.5})
    vector = shared_encoder().encode([text])[0]
    with_view = model.predict(text, vector, (), None, np.ones(DIM, np.float32))
    without = model.predict(text, vector)
    flag = {"handoff": lambda s: s.handoff_requested, "complaint": lambda s: s.complaint}[label]
    assert flag(with_view) and not flag(without)
    assert any(c.startswith(f"service view p({label})=") for c in with_view.cues[label])
    model._thr[f"service_weight.{label}"] = 0.0
    assert not flag(model.predict(text, vector, (), None, np.ones(DIM, np.float32)))


def test_a_declined_offer_caps_the_view_too() -> None:
    model = _model(_head_saying("handoff"), {"service_weight.handoff": 1.0, "handoff": 0.5})
    text = "no need for a person, I just want my sort code"
    signals = model.predict(text, shared_encoder().encode([text])[0], (), None, np.ones(DIM, np.float32))
    assert not signals.handoff_requested and signals.handoff_prob <= 0.1


def test_drivers_blend_per_driver() -> None:
    model = _model(_head_saying("resilience"), {"service_weight.resilience": 0.75, "vulnerability.resilience": 0.5})
    text = "how do I order a new card"
    signals = model.predict(text, shared_encoder().encode([text])[0], (), None, np.ones(DIM, np.float32))
    assert signals.vulnerability == ("resilience",)
    assert signals.cues["vulnerability.resilience"][0].startswith("service view p(resilience)=")


def test_best_pair_prefers_the_best_figure_within_limits_else_the_least_breach() -> None:
    assert best_pair([((0.0, 0.5), 0.7, 0.2), ((0.5, 0.5), 0.9, 0.9), ((1.0, 0.5), 0.95, 1.1)])[0] == (0.5, 0.5)
    assert best_pair([((0.0, 0.5), 0.7, 1.5), ((0.5, 0.5), 0.9, 1.2)])[0] == (0.5, 0.5)


def test_the_shipped_view_is_run_by_the_encoder_and_its_choice_is_stored() -> None:
    settings = get_settings()
    adapter, head = load_service_view(settings.artifacts_dir)
    assert (adapter is None) == (head is None)
    if head is None:
        pytest.skip("no service view shipped")
    encoded = MessageEncoder(settings).run(redacted=Redacted(text="can I speak to someone please"))
    assert encoded.service_vector is not None and encoded.service_vector.shape == (DIM,)
    model = SignalModel.load()
    assert model.service_head is not None and head.version in model.version
    choice = model.bundle.meta["dev_choice"]["service"]  # type: ignore[index]
    assert set(choice) == set(SERVICE_LABELS)
    assert all(0.0 <= model.threshold(f"service_weight.{label}", -1.0) <= 1.0 for label in SERVICE_LABELS)
