"""The routing adapter: tuned copies of MiniLM's top layers, run on the real encoder (no mocks)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ModelUnavailableError
from assistant.integrations.encoder import HashingEncoder, LayeredEncoder, SentenceTransformerEncoder
from assistant.integrations.layer_adapter import (
    ADAPTER_FILE,
    LayerAdapter,
    adapter_views,
    dequantise_rows,
    fit_layer_adapter,
    quantise_rows,
)
from assistant.kb.routing import cached_views
from assistant.settings import Settings
from assistant.stages.encode import MessageEncoder
from assistant.types import Redacted

TEXTS = ["I lost my card", "How long does a transfer from abroad take to reach my account?", "hi"]


def test_quantisation_round_trip_is_close() -> None:
    w = np.random.default_rng(0).normal(size=(16, 32)).astype(np.float32)
    q, s = quantise_rows(w)
    assert q.dtype == np.int8 and s.dtype == np.float16
    err = np.abs(dequantise_rows(q, s) - w).max(axis=1)
    assert (err <= np.abs(w).max(axis=1) / 127 + 1e-3).all()
    assert np.array_equal(quantise_rows(np.zeros((2, 3), np.float32))[0], np.zeros((2, 3), np.int8))


def test_hashing_encoder_is_not_layered() -> None:
    assert not isinstance(HashingEncoder(), LayeredEncoder)


@pytest.mark.integration
def test_encode_views_base_is_the_shared_vector(encoder: SentenceTransformerEncoder) -> None:
    assert isinstance(encoder, LayeredEncoder)
    base, tuned = encoder.encode_views(TEXTS, None)
    assert tuned is None
    assert np.allclose(base, encoder.encode(TEXTS), atol=1e-5)
    empty, empty_tuned = encoder.encode_views([], LayerAdapter.copy_of(encoder.auto_model, 4))
    assert empty.shape == (0, 384) and empty_tuned is not None and empty_tuned.shape == (0, 384)


@pytest.mark.integration
def test_adapter_with_the_base_weights_reproduces_the_base_vector(encoder: SentenceTransformerEncoder) -> None:
    adapter = LayerAdapter.copy_of(encoder.auto_model, 4)
    assert adapter.layers == 2
    base, tuned = encoder.encode_views(TEXTS, adapter)
    assert tuned is not None and np.allclose(tuned, base, atol=1e-5)
    # the same view from cached float16 hidden states (the training path)
    states = encoder.hidden_states(TEXTS, 4)
    assert [s.shape[1] for s in states] == [384] * 3 and states[0].dtype == np.float16
    assert np.allclose(adapter_views(adapter, encoder.auto_model, states), base, atol=1e-3)


@pytest.mark.integration
def test_save_load_keeps_the_stored_precision(encoder: SentenceTransformerEncoder, tmp_path: Path) -> None:
    adapter = LayerAdapter.copy_of(encoder.auto_model, 4).stored()
    path = tmp_path / ADAPTER_FILE
    adapter.save(path)
    loaded = LayerAdapter.load(path)
    assert loaded.fingerprint() == adapter.fingerprint() and loaded.start_layer == 4
    assert path.stat().st_size < 4_000_000  # two layers in int8
    base, tuned = encoder.encode_views(TEXTS, loaded)
    assert tuned is not None and float(np.abs(tuned - base).max()) < 0.02  # int8 weights, same meaning
    (tmp_path / "bad.npz").write_bytes(b"not an npz")
    with pytest.raises(ModelUnavailableError):
        LayerAdapter.load(tmp_path / "bad.npz")


@pytest.mark.integration
def test_adapter_for_another_depth_is_refused(encoder: SentenceTransformerEncoder) -> None:
    adapter = LayerAdapter.copy_of(encoder.auto_model, 4)
    wrong = LayerAdapter(3, adapter.state)  # claims layers 3-4 of a 5-layer model
    with pytest.raises(ModelUnavailableError, match="retrain"):
        encoder.encode_views(TEXTS, wrong)


@pytest.mark.integration
def test_fit_layer_adapter_learns_and_is_reproducible(encoder: SentenceTransformerEncoder) -> None:
    texts = [
        *("my card has not arrived", "still waiting for my new card", "where is the card you posted"),
        *("what is your exchange rate", "how much are euros today", "rate for dollars please"),
        *("I want to close my account", "delete my account", "how do I terminate my account"),
    ]
    labels = np.repeat(np.arange(3), 3)
    targets = np.eye(3, dtype=np.float32)[labels]
    states = encoder.hidden_states(texts, 5)
    runs = [
        fit_layer_adapter(encoder.auto_model, states, targets, start_layer=5, seed=7, epochs=4, batch=4, lr=1e-4)
        for _ in range(2)
    ]
    (a1, w1, b1), (a2, w2, b2) = runs
    assert a1.fingerprint() == a2.fingerprint() and np.array_equal(w1, w2) and np.array_equal(b1, b2)
    assert a1.layers == 1 and w1.shape == (384, 3)
    views = adapter_views(a1, encoder.auto_model, states)
    assert ((views @ w1 + b1).argmax(1) == labels).all()


@pytest.mark.integration
def test_message_encoder_adds_the_routing_view_when_an_adapter_exists(
    encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    settings = Settings(artifacts_dir=tmp_path, data_dir=tmp_path / "data")
    plain = MessageEncoder(settings, encoder=encoder)
    plain.warm_up()
    assert plain.adapter is None
    assert plain.run(redacted=Redacted("I lost my card")).routing_vector is None

    LayerAdapter.copy_of(encoder.auto_model, 4).stored().save(tmp_path / ADAPTER_FILE)
    stage = MessageEncoder(settings, encoder=encoder)
    out = stage.run(redacted=Redacted("I lost my card"))
    assert out.routing_vector is not None and out.routing_vector.shape == (384,)
    assert np.allclose(out.vector, encoder.encode(["I lost my card"])[0], atol=1e-5)

    # the offline evaluation computes the same views (and caches them)
    base, views = cached_views(encoder, stage.adapter, ["I lost my card"], tmp_path / "cache", "t")
    assert views is not None and np.allclose(views[0], out.routing_vector, atol=1e-5)
    assert any("routing" in p.name for p in (tmp_path / "cache").iterdir())
    # an encoder that cannot run the adapter still encodes
    hashing = MessageEncoder(settings, encoder=HashingEncoder())
    assert hashing.run(redacted=Redacted("I lost my card")).routing_vector is None
