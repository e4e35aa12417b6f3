"""Small numpy heads on top of the encoder vector + cheap features: softmax (one label) and sigmoid
(multi-label), each with post-hoc calibration, trained with Adam and saved to ``.npz`` without pickle.

>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(200, 4)).astype(np.float32); y = (x[:, 0] > 0).astype(int)
>>> head = train_softmax(x, y, ("neg", "pos"), name="demo", epochs=200)
>>> bool((head.predict_proba(x).argmax(1) == y).mean() > 0.9)
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.errors import ModelUnavailableError


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class SoftmaxHead:
    """Linear (optionally one hidden ReLU layer) softmax classifier with vector-scaling calibration:
    ``p = softmax(logits / T + bias)``."""

    name: str
    classes: tuple[str, ...]
    W: np.ndarray
    b: np.ndarray
    W1: np.ndarray | None = None
    b1: np.ndarray | None = None
    temperature: float = 1.0
    calib_bias: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    @property
    def input_dim(self) -> int:
        return int(self.W1.shape[0] if self.W1 is not None else self.W.shape[0])

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Logits for rows ``x``; only the first :attr:`input_dim` columns are read (heads may ignore the
        bag-of-words block that follows the dense features)."""
        h = np.atleast_2d(x)[:, : self.input_dim]
        if self.W1 is not None and self.b1 is not None:
            h = np.maximum(h @ self.W1 + self.b1, 0.0)
        return h @ self.W + self.b

    def predict_proba(self, x: np.ndarray, *, calibrated: bool = True) -> np.ndarray:
        z = self.logits(np.atleast_2d(x))
        if calibrated:
            z = z / self.temperature + (self.calib_bias if self.calib_bias.size else 0.0)
        return softmax(z)

    def arrays(self) -> dict[str, np.ndarray]:
        out = {
            "W": self.W.astype(np.float32),
            "b": self.b.astype(np.float32),
            "classes": np.array(self.classes),
            "temperature": np.array(self.temperature, dtype=np.float32),
            "calib_bias": self.calib_bias.astype(np.float32),
        }
        if self.W1 is not None and self.b1 is not None:
            out["W1"] = self.W1.astype(np.float32)
            out["b1"] = self.b1.astype(np.float32)
        return out

    @classmethod
    def from_arrays(cls, name: str, arr: dict[str, np.ndarray]) -> SoftmaxHead:
        return cls(
            name=name,
            classes=tuple(str(c) for c in arr["classes"]),
            W=arr["W"],
            b=arr["b"],
            W1=arr.get("W1"),
            b1=arr.get("b1"),
            temperature=float(arr["temperature"]),
            calib_bias=arr["calib_bias"],
        )


@dataclass
class SigmoidHead:
    """Independent logistic outputs (multi-label) with per-label Platt calibration ``sigmoid(a*z + c)``."""

    name: str
    classes: tuple[str, ...]
    W: np.ndarray
    b: np.ndarray
    platt_a: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    platt_c: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    @property
    def input_dim(self) -> int:
        return int(self.W.shape[0])

    def logits(self, x: np.ndarray) -> np.ndarray:
        return np.atleast_2d(x)[:, : self.input_dim] @ self.W + self.b

    def predict_proba(self, x: np.ndarray, *, calibrated: bool = True) -> np.ndarray:
        z = self.logits(x)
        if calibrated and self.platt_a.size:
            z = z * self.platt_a + self.platt_c
        return sigmoid(z)

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "W": self.W.astype(np.float32),
            "b": self.b.astype(np.float32),
            "classes": np.array(self.classes),
            "platt_a": self.platt_a.astype(np.float32),
            "platt_c": self.platt_c.astype(np.float32),
        }

    @classmethod
    def from_arrays(cls, name: str, arr: dict[str, np.ndarray]) -> SigmoidHead:
        return cls(
            name=name,
            classes=tuple(str(c) for c in arr["classes"]),
            W=arr["W"],
            b=arr["b"],
            platt_a=arr["platt_a"],
            platt_c=arr["platt_c"],
        )


# --- training ---


def _adam_step(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    state: dict[str, list[np.ndarray]],
    t: int,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
) -> None:
    if not state:
        state["m"] = [np.zeros_like(p) for p in params]
        state["v"] = [np.zeros_like(p) for p in params]
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        state["m"][i] = beta1 * state["m"][i] + (1 - beta1) * g
        state["v"][i] = beta2 * state["v"][i] + (1 - beta2) * g * g
        m_hat = state["m"][i] / (1 - beta1**t)
        v_hat = state["v"][i] / (1 - beta2**t)
        p -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)


def train_softmax(
    x: np.ndarray,
    y: np.ndarray,
    classes: tuple[str, ...],
    *,
    name: str,
    weights: np.ndarray | None = None,
    l2: float = 1e-3,
    hidden: int = 0,
    epochs: int = 300,
    lr: float = 0.01,
    batch_size: int = 0,
    seed: int = 13,
    extra: np.ndarray | None = None,
) -> SoftmaxHead:
    """Fit a softmax head by (mini-)batch Adam on weighted cross-entropy + L2. Deterministic for a seed.

    ``extra`` (n × m, e.g. a uint8 bag of words) is appended to ``x`` batch by batch, to save memory.
    """
    rng = np.random.default_rng(seed)
    n, d = x.shape
    if extra is not None:
        d += extra.shape[1]
    k = len(classes)
    f32 = np.float32
    w = np.ones(n, dtype=f32) if weights is None else weights.astype(f32)
    w = w / w.mean()
    onehot = np.eye(k, dtype=f32)[y]
    W1: np.ndarray | None = None
    b1: np.ndarray | None = None
    if hidden:
        W1 = rng.normal(0, np.sqrt(2.0 / d), size=(d, hidden)).astype(f32)
        b1 = np.zeros(hidden, dtype=f32)
        W = rng.normal(0, np.sqrt(1.0 / hidden), size=(hidden, k)).astype(f32)
    else:
        W = np.zeros((d, k), dtype=f32)
    b = np.zeros(k, dtype=f32)
    params: list[np.ndarray] = [W, b] if W1 is None or b1 is None else [W1, b1, W, b]
    state: dict[str, list[np.ndarray]] = {}
    xs = x.astype(f32)
    bs = batch_size or n
    t = 0
    for _ in range(epochs):
        order = rng.permutation(n) if bs < n else np.arange(n)
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            xb, yb, wb = xs[idx], onehot[idx], w[idx][:, None]
            if extra is not None:
                xb = np.concatenate([xb, extra[idx].astype(f32)], axis=1)
            if W1 is not None and b1 is not None:
                pre = xb @ W1 + b1
                h = np.maximum(pre, 0.0)
            else:
                h = xb
            p = softmax(h @ W + b)
            g = (p - yb) * wb / len(idx)
            gW = h.T @ g + l2 * W
            gb = g.sum(0)
            if W1 is not None and b1 is not None:
                gh = (g @ W.T) * (pre > 0)
                grads = [xb.T @ gh + l2 * W1, gh.sum(0), gW, gb]
            else:
                grads = [gW, gb]
            t += 1
            _adam_step(params, grads, state, t, lr)
    return SoftmaxHead(
        name=name,
        classes=classes,
        W=W.astype(np.float32),
        b=b.astype(np.float32),
        W1=None if W1 is None else W1.astype(np.float32),
        b1=None if b1 is None else b1.astype(np.float32),
        calib_bias=np.zeros(k, dtype=np.float32),
    )


def train_sigmoid(
    x: np.ndarray,
    y: np.ndarray,
    classes: tuple[str, ...],
    *,
    name: str,
    weights: np.ndarray | None = None,
    pos_weight: np.ndarray | None = None,
    l2: float = 1e-3,
    epochs: int = 400,
    lr: float = 0.02,
    seed: int = 13,
) -> SigmoidHead:
    """Fit independent logistic outputs (``y`` is an n×k 0/1 matrix) by full-batch Adam."""
    del seed  # full-batch and zero-initialised: deterministic
    n, d = x.shape
    k = len(classes)
    w = np.ones(n) if weights is None else weights.astype(np.float64)
    w = (w / w.mean())[:, None]
    pw = np.ones(k) if pos_weight is None else pos_weight
    W = np.zeros((d, k))
    b = np.zeros(k)
    state: dict[str, list[np.ndarray]] = {}
    xs = x.astype(np.float64)
    yf = y.astype(np.float64)
    for t in range(1, epochs + 1):
        p = sigmoid(xs @ W + b)
        scale = w * (yf * pw + (1 - yf))
        g = (p - yf) * scale / n
        _adam_step([W, b], [xs.T @ g + l2 * W, g.sum(0)], state, t, lr)
    return SigmoidHead(name=name, classes=classes, W=W.astype(np.float32), b=b.astype(np.float32))


# --- calibration ---


def fit_vector_scaling(
    logits: np.ndarray, y: np.ndarray, *, bias: bool = True, steps: int = 500
) -> tuple[float, np.ndarray]:
    """Temperature T (and per-class bias) minimising NLL of ``softmax(logits/T + c)`` on held-out rows."""
    n, k = logits.shape
    onehot = np.eye(k)[y]
    log_t = 0.0
    c = np.zeros(k)
    state: dict[str, list[np.ndarray]] = {}
    params = [np.array([log_t]), c]
    for t in range(1, steps + 1):
        T = float(np.exp(params[0][0]))
        z = logits / T + params[1]
        p = softmax(z)
        g = (p - onehot) / n
        g_logt = np.array([np.sum(g * (-logits / T))])
        g_c = g.sum(0) if bias else np.zeros(k)
        _adam_step(params, [g_logt, g_c], state, t, 0.05)
    return float(np.exp(params[0][0])), params[1].astype(np.float32)


def fit_platt(logits: np.ndarray, y: np.ndarray, steps: int = 800) -> tuple[np.ndarray, np.ndarray]:
    """Per-column Platt scaling ``sigmoid(a*z + c)`` fitted by Adam on NLL."""
    k = logits.shape[1]
    a = np.ones(k)
    c = np.zeros(k)
    state: dict[str, list[np.ndarray]] = {}
    yf = y.astype(np.float64)
    for t in range(1, steps + 1):
        p = sigmoid(logits * a + c)
        g = (p - yf) / len(yf)
        _adam_step([a, c], [(g * logits).sum(0), g.sum(0)], state, t, 0.05)
    return a.astype(np.float32), c.astype(np.float32)


# --- bundle ---


@dataclass
class HeadBundle:
    """Everything the classifier needs at run time: feature standardisation, the heads and JSON metadata."""

    mean: np.ndarray
    std: np.ndarray
    softmax_heads: dict[str, SoftmaxHead]
    sigmoid_heads: dict[str, SigmoidHead]
    meta: dict[str, object]

    def standardise(self, x: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """Standardised dense features, with an optional unstandardised block (bag of words) appended."""
        z = ((np.atleast_2d(x) - self.mean) / self.std).astype(np.float32)
        if extra is None:
            return z
        return np.concatenate([z, np.atleast_2d(extra).astype(np.float32)], axis=1)

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {"features/mean": self.mean, "features/std": self.std}
        for name, sm in self.softmax_heads.items():
            arrays.update({f"softmax/{name}/{k}": v for k, v in sm.arrays().items()})
        for name, sg in self.sigmoid_heads.items():
            arrays.update({f"sigmoid/{name}/{k}": v for k, v in sg.arrays().items()})
        arrays["meta"] = np.array(json.dumps(self.meta, sort_keys=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> HeadBundle:
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError) as exc:
            raise ModelUnavailableError(f"signals heads not loadable from {path}: {exc}") from exc
        groups: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        for key, value in arrays.items():
            parts = key.split("/")
            if len(parts) == 3:
                groups.setdefault((parts[0], parts[1]), {})[parts[2]] = value
        return cls(
            mean=arrays["features/mean"],
            std=arrays["features/std"],
            softmax_heads={n: SoftmaxHead.from_arrays(n, a) for (kind, n), a in groups.items() if kind == "softmax"},
            sigmoid_heads={n: SigmoidHead.from_arrays(n, a) for (kind, n), a in groups.items() if kind == "sigmoid"},
            meta=json.loads(str(arrays["meta"])),
        )
