"""One conformance suite for the TextEncoder Protocol: the real MiniLM and the model-free hashing encoder."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.integrations.encoder import HashingEncoder, SentenceTransformerEncoder, TextEncoder


@pytest.fixture(scope="module", params=[pytest.param("minilm", marks=pytest.mark.integration), "hashing"])
def text_encoder(request: pytest.FixtureRequest, encoder: SentenceTransformerEncoder) -> TextEncoder:
    return encoder if request.param == "minilm" else HashingEncoder()


def test_is_a_text_encoder(text_encoder: TextEncoder) -> None:
    assert isinstance(text_encoder, TextEncoder)


def test_shape_dtype_and_unit_norm(text_encoder: TextEncoder) -> None:
    vectors = text_encoder.encode(["I lost my card", "How do I top up?", "x"])
    assert vectors.shape == (3, text_encoder.dimension)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_empty_batch(text_encoder: TextEncoder) -> None:
    assert text_encoder.encode([]).shape == (0, text_encoder.dimension)


def test_deterministic_and_similarity_is_meaningful(text_encoder: TextEncoder) -> None:
    a, b, c = text_encoder.encode(["my card was stolen", "my card was stolen yesterday", "exchange rate for yen"])
    assert np.allclose(a, text_encoder.encode(["my card was stolen"])[0], atol=1e-5)
    assert float(a @ b) > float(a @ c)
