"""What routing reads besides its head: the encoder's views of texts (cached on disk), the routing adapter,
hidden states for training the adapter, and the fingerprint of the knowledge-base questions a head learnt.

Used by training, evaluation and the probes; the encode stage computes the same views at run time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.integrations.encoder import LayeredEncoder, TextEncoder
from assistant.integrations.layer_adapter import ADAPTER_FILE, LayerAdapter
from assistant.kb.loader import KnowledgeBase
from assistant.settings import Settings


def _encode_cache_path(encoder: TextEncoder, texts: Sequence[str], cache_dir: Path, label: str) -> Path:
    digest = hashlib.sha256(("\x01".join([encoder.name, *texts])).encode()).hexdigest()[:16]
    return Path(cache_dir) / f"{label}-{digest}.npy"


def cached_encode(encoder: TextEncoder, texts: Sequence[str], cache_dir: Path | None, label: str) -> np.ndarray:
    """Encode ``texts``, reusing ``<cache_dir>/<label>-<hash>.npy`` when this encoder saw the same texts."""
    if cache_dir is None:
        return encoder.encode(list(texts))
    path = _encode_cache_path(encoder, texts, cache_dir, label)
    if path.is_file():
        return np.load(path)
    vectors = _stack(_in_batches(texts, f"encoding {label}", lambda b: list(encoder.encode(b))), encoder.dimension)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def load_adapter(settings: Settings) -> LayerAdapter | None:
    """The routing adapter written by ``attune train routing`` (None when there is none)."""
    path = settings.artifacts_dir / ADAPTER_FILE
    return LayerAdapter.load(path) if path.is_file() else None


def cached_views(
    encoder: TextEncoder, adapter: LayerAdapter | None, texts: Sequence[str], cache_dir: Path | None, label: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """What the encode stage computes for each text: the shared vector and, with an adapter, the routing view.

    Both are cached like :func:`cached_encode` (the routing view under the adapter's fingerprint).
    """
    if adapter is None or not isinstance(encoder, LayeredEncoder):
        return cached_encode(encoder, texts, cache_dir, label), None
    digest = hashlib.sha256(("\x01".join([encoder.name, adapter.fingerprint(), *texts])).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"{label}-routing-{digest}.npy" if cache_dir is not None else None
    if path is not None and not path.is_file() and not _encode_cache_path(encoder, texts, path.parent, label).is_file():
        # neither is cached: one pass gives both (as the encode stage computes them)
        pairs = _in_batches(texts, f"encoding {label} (both views)", lambda b: _both_views(encoder, adapter, b))
        both = _stack(pairs, 2 * encoder.dimension)
        base, views = both[:, : encoder.dimension].copy(), both[:, encoder.dimension :].copy()
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(_encode_cache_path(encoder, texts, path.parent, label), base)
        np.save(path, views)
        return base, views
    base = cached_encode(encoder, texts, cache_dir, label)
    return base, cached_view(encoder, adapter, texts, cache_dir, label, "routing")


def cached_view(
    encoder: LayeredEncoder, adapter: LayerAdapter, texts: Sequence[str], cache_dir: Path | None, label: str, name: str
) -> np.ndarray:
    """One adapter's view of each text (``name``: "routing", "crisis" or "service"), cached under the adapter's
    fingerprint."""
    digest = hashlib.sha256(("\x01".join([encoder.name, adapter.fingerprint(), *texts])).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"{label}-{name}-{digest}.npy" if cache_dir is not None else None
    if path is not None and path.is_file():
        return np.load(path)

    def view(batch: list[str]) -> list[np.ndarray]:
        return list(encoder.encode_view(batch, adapter))

    views = _stack(_in_batches(texts, f"{name} view {label}", view), encoder.dimension)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, views)
    return views


def _both_views(encoder: LayeredEncoder, adapter: LayerAdapter, batch: list[str]) -> list[np.ndarray]:
    base, tuned = encoder.encode_views(batch, adapter)
    assert tuned is not None
    return list(np.hstack([np.asarray(base, np.float32), np.asarray(tuned, np.float32)]))


def cached_states(
    encoder: LayeredEncoder, texts: Sequence[str], layer: int, cache_dir: Path | None, label: str
) -> list[np.ndarray]:
    """Hidden states entering ``layer`` for each text (float16, one (tokens, dim) array each), cached."""
    digest = hashlib.sha256(("\x01".join([encoder.name, str(layer), *texts])).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"{label}-layer{layer}-{digest}.npz" if cache_dir is not None else None
    if path is not None and path.is_file():
        with np.load(path, allow_pickle=False) as data:
            return np.split(data["flat"], np.cumsum(data["lengths"])[:-1])
    states = _in_batches(texts, f"layer-{layer} states {label}", lambda batch: encoder.hidden_states(batch, layer))
    if path is not None and states:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, flat=np.concatenate(states), lengths=np.array([len(x) for x in states]))
    return states


def _in_batches(texts: Sequence[str], label: str, fn: Callable[[list[str]], Sequence[np.ndarray]]) -> list[np.ndarray]:
    """``fn`` over ``texts`` in batches of 256 with a transient progress bar; one output row per text."""
    from rich.console import Console
    from rich.progress import Progress

    rows: list[np.ndarray] = []
    with Progress(transient=True, console=Console(stderr=True)) as bar:  # stdout stays for reports
        task = bar.add_task(label, total=len(texts))
        for i in range(0, len(texts), 256):
            rows.extend(fn(list(texts[i : i + 256])))
            bar.update(task, completed=len(rows))
    return rows


def _stack(rows: list[np.ndarray], dim: int) -> np.ndarray:
    return np.stack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)


def questions_fingerprint(kb: KnowledgeBase) -> str:
    """Hash of what the intent head learns from the knowledge base: each article's intents and questions."""
    digest = hashlib.sha256()
    for article in kb.articles:
        digest.update(json.dumps([article.id, article.meta.intents, article.meta.questions]).encode())
    return digest.hexdigest()[:16]
