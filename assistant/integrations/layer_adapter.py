"""Tuned copies of the sentence encoder's top transformer layers (a *layer adapter*), for routing.

The base all-MiniLM-L6-v2 from PyPI stays as it is and keeps producing the shared ``Encoded.vector`` (signal
heads, the vector index). A :class:`LayerAdapter` holds fine-tuned copies of its top ``n`` layers only: the
encoder runs once, and the hidden state entering layer ``start_layer`` is finished twice, by the original
layers and by the adapter's (see ``SentenceTransformerEncoder.encode_views``). The second, mean-pooled view is
``Encoded.routing_vector``; the routing head reads it next to the shared one.

Weights are stored as numpy arrays (matrices int8 with one float16 scale per row, vectors float16): two layers
take about 3.5 MB. ``fit_layer_adapter`` trains one from cached lower-layer states, so fine-tuning costs a
forward and backward pass through ``n`` layers only.

>>> import numpy as np
>>> w = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
>>> q, s = quantise_rows(w)
>>> bool(np.abs(dequantise_rows(q, s) - w).max() < 0.02)
True
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelUnavailableError

logger = logging.getLogger(__name__)

ADAPTER_FILE = "routing_adapter.npz"


def quantise_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 quantisation with one scale per row."""
    w = np.asarray(w, dtype=np.float32)
    scale = np.abs(w).max(axis=1) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float16)
    q = np.clip(np.rint(w / scale.astype(np.float32)[:, None]), -127, 127).astype(np.int8)
    return q, scale


def dequantise_rows(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return (q.astype(np.float32) * scale.astype(np.float32)[:, None]).astype(np.float32)


class LayerAdapter:
    """Fine-tuned copies of the encoder's layers ``start_layer`` .. last, as numpy arrays.

    ``state`` maps parameter names relative to the copied layer list (``"0.attention.self.query.weight"``)
    to float32 arrays. :meth:`bind` builds the torch layers once, on the encoder's own module classes.

    >>> import numpy as np
    >>> adapter = LayerAdapter(4, {"0.output.dense.bias": np.zeros(3, np.float32)}, {"epochs": 1})
    >>> adapter.start_layer, adapter.layers
    (4, 1)
    """

    def __init__(self, start_layer: int, state: dict[str, np.ndarray], meta: dict[str, Any] | None = None) -> None:
        self.start_layer = int(start_layer)
        self.state = {k: np.asarray(v, dtype=np.float32) for k, v in state.items()}
        self.meta = dict(meta or {})
        self._modules: Any = None
        self._fingerprint: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def copy_of(cls, auto_model: Any, start_layer: int) -> LayerAdapter:
        """An adapter holding the encoder's own layers from ``start_layer`` on: its view is the shared vector (a
        neutral starting point, and what tests compare a view with)."""
        import torch

        layers = torch.nn.ModuleList(list(auto_model.encoder.layer[start_layer:]))
        state = {k: v.detach().numpy().copy() for k, v in layers.state_dict().items()}
        return cls(start_layer, state, {"copy": True})

    @property
    def layers(self) -> int:
        return len({name.split(".", 1)[0] for name in self.state})

    def fingerprint(self) -> str:
        """A short hash of the weights, recorded by the routing head that was trained with this adapter
        (computed once: an adapter's weights never change)."""
        if self._fingerprint is None:
            digest = hashlib.sha256(str(self.start_layer).encode())
            for name in sorted(self.state):
                digest.update(name.encode())
                digest.update(self.state[name].tobytes())
            self._fingerprint = digest.hexdigest()[:16]
        return self._fingerprint

    def stored(self) -> LayerAdapter:
        """This adapter at the precision :meth:`save` keeps (what :meth:`load` gives back)."""
        state = {
            name: dequantise_rows(*quantise_rows(v)) if v.ndim == 2 else v.astype(np.float16).astype(np.float32)
            for name, v in self.state.items()
        }
        return LayerAdapter(self.start_layer, state, self.meta)

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {}
        for i, (_, value) in enumerate(sorted(self.state.items())):
            if value.ndim == 2:
                arrays[f"q{i}"], arrays[f"s{i}"] = quantise_rows(value)
            else:
                arrays[f"f{i}"] = value.astype(np.float16)
        names = sorted(self.state)
        config = {"start_layer": self.start_layer, "names": names, "meta": self.meta}
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, config=np.array(json.dumps(config)), **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> LayerAdapter:
        """Load an adapter written by :meth:`save` (numpy only, no pickle)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                config = json.loads(str(data["config"]))
                state: dict[str, np.ndarray] = {}
                for i, name in enumerate(config["names"]):
                    if f"q{i}" in data.files:
                        state[name] = dequantise_rows(data[f"q{i}"], data[f"s{i}"])
                    else:
                        state[name] = data[f"f{i}"].astype(np.float32)
                return cls(int(config["start_layer"]), state, config.get("meta", {}))
        except (OSError, KeyError, ValueError) as exc:
            raise ModelUnavailableError(f"cannot load the routing adapter {path}: {exc}") from exc

    def bind(self, auto_model: Any) -> Any:
        """The adapter's torch layers, built once as copies of ``auto_model``'s top layers with our weights."""
        import torch

        with self._lock:
            if self._modules is None:
                base = auto_model.encoder.layer
                if self.start_layer + self.layers != len(base):
                    raise ModelUnavailableError(
                        f"the routing adapter tunes layers {self.start_layer}.. of a {self.start_layer + self.layers}"
                        f"-layer encoder, but this encoder has {len(base)}: retrain it (`attune train routing`)"
                    )
                modules = torch.nn.ModuleList(copy.deepcopy(list(base[self.start_layer :])))
                modules.load_state_dict({k: torch.from_numpy(v) for k, v in self.state.items()}, strict=True)
                modules.eval()
                for p in modules.parameters():
                    p.requires_grad_(False)
                self._modules = modules
        return self._modules


# ------------------------------------------------------------------------------------------- torch helpers


def additive_mask(mask: Any) -> Any:
    """(batch, 1, 1, length) additive attention mask from a 0/1 token mask."""
    import torch

    return (1.0 - mask.float())[:, None, None, :] * torch.finfo(torch.float32).min


def run_layers(layers: Iterable[Any], hidden: Any, mask: Any) -> Any:
    """Mean-pooled, L2-normalised output of ``layers`` applied to ``hidden`` (batch, length, dim)."""

    ext = additive_mask(mask)
    for layer in layers:
        out = layer(hidden, attention_mask=ext)
        hidden = out[0] if isinstance(out, tuple) else out
    return mean_pool(hidden, mask)


def mean_pool(hidden: Any, mask: Any) -> Any:
    import torch

    m = mask.to(hidden.dtype)[..., None]
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def pad_states(states: Sequence[np.ndarray]) -> tuple[Any, Any]:
    """Stack variable-length (length, dim) states into a zero-padded batch and its 0/1 mask."""
    import torch

    length = max(s.shape[0] for s in states)
    dim = states[0].shape[1]
    hidden = torch.zeros(len(states), length, dim)
    mask = torch.zeros(len(states), length)
    for i, s in enumerate(states):
        hidden[i, : s.shape[0]] = torch.from_numpy(np.asarray(s, dtype=np.float32))
        mask[i, : s.shape[0]] = 1.0
    return hidden, mask


def _length_batches(states: Sequence[np.ndarray], batch: int, gen: Any, pool: int = 16) -> list[list[int]]:
    """Shuffled batches of similar length (less padding): shuffle, sort within pools of ``pool`` batches,
    cut into batches, shuffle the batches."""
    import torch

    perm = torch.randperm(len(states), generator=gen).tolist()
    batches: list[list[int]] = []
    for i in range(0, len(perm), batch * pool):
        chunk = sorted(perm[i : i + batch * pool], key=lambda j: states[j].shape[0])
        batches += [chunk[k : k + batch] for k in range(0, len(chunk), batch)]
    order = torch.randperm(len(batches), generator=gen).tolist()
    return [batches[k] for k in order]


def fit_layer_adapter(
    auto_model: Any,
    states: Sequence[np.ndarray],
    targets: np.ndarray,
    *,
    start_layer: int,
    seed: int,
    epochs: int = 6,
    lr: float = 2e-4,
    head_lr: float = 1e-2,
    batch: int = 32,
    scale: float = 20.0,
    label_smoothing: float = 0.1,
    progress: Any = None,
    groups: Sequence[tuple[int, int]] | None = None,
) -> tuple[LayerAdapter, np.ndarray, np.ndarray]:
    """Fine-tune copies of ``auto_model``'s layers from ``start_layer`` on, with a cosine classifier on top.

    ``states`` are the hidden states entering ``start_layer`` (one (length, dim) array per text, see
    ``SentenceTransformerEncoder.hidden_states``), ``targets`` soft labels (n, classes). Returns the adapter
    (at the precision it is stored with) and the classifier (``weight`` (dim, classes), ``bias``); logits are
    ``scale * (pooled @ weight + bias)``.
    AdamW with a one-cycle schedule, seeded; ``progress(done, total)`` is called after each batch.
    ``groups`` splits the classes into independent softmax groups (``(start, stop)`` column ranges; default one
    group of all): the loss is summed over them, and a row whose targets are all zero in a group (its label there
    is unknown) adds nothing for that group, so rows labelled for one question train the others' shared layers
    only through the questions they answer.
    """
    import torch

    torch.manual_seed(seed)
    layers = torch.nn.ModuleList(copy.deepcopy(list(auto_model.encoder.layer[start_layer:])))
    layers.train()
    for p in layers.parameters():
        p.requires_grad_(True)
    dim = states[0].shape[1]
    y = torch.tensor(targets, dtype=torch.float32)
    n_classes = y.shape[1]
    spans = list(groups) if groups else [(0, n_classes)]
    head = torch.nn.Linear(dim, n_classes)
    opt = torch.optim.AdamW(
        [{"params": layers.parameters(), "lr": lr}, {"params": head.parameters(), "lr": head_lr}], weight_decay=0.01
    )
    steps = (len(states) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[lr, head_lr], total_steps=epochs * steps, pct_start=0.1)
    gen = torch.Generator().manual_seed(seed)
    done = 0
    for _ in range(epochs):
        for idx in _length_batches(states, batch, gen):
            hidden, mask = pad_states([states[j] for j in idx])
            logits = scale * head(run_layers(layers, hidden, mask))
            loss = logits.new_zeros(())
            for lo, hi in spans:
                part = y[idx][:, lo:hi]
                known = part.sum(1) > 0
                if not bool(known.any()):
                    continue
                target = part[known] * (1 - label_smoothing) + label_smoothing / (hi - lo)
                loss = loss + -(target * torch.log_softmax(logits[known][:, lo:hi], 1)).sum(1).sum() / len(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            done += 1
            if progress is not None:
                progress(done, epochs * steps)
    state = {k: v.detach().numpy().copy() for k, v in layers.state_dict().items()}
    meta = {"seed": seed, "epochs": epochs, "lr": lr, "batch": batch, "texts": len(states)}
    adapter = LayerAdapter(start_layer, state, meta).stored()
    weight = head.weight.detach().numpy().T.copy().astype(np.float32)
    bias = head.bias.detach().numpy().copy().astype(np.float32)
    return adapter, weight, bias


def adapter_views(adapter: LayerAdapter, auto_model: Any, states: Sequence[np.ndarray], batch: int = 256) -> np.ndarray:
    """The routing view (pooled, normalised) of texts given their hidden states entering ``adapter.start_layer``."""
    import torch

    layers = adapter.bind(auto_model)
    out = []
    with torch.inference_mode():
        for i in range(0, len(states), batch):
            hidden, mask = pad_states(states[i : i + batch])
            out.append(run_layers(layers, hidden, mask).numpy())
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, auto_model.config.hidden_size), np.float32)
