"""The routing head: hashed n-gram features and the trained intent model with its fusion weights and confidence
calibration (numpy only). :mod:`assistant.kb.routing` describes how routing uses it.

>>> import numpy as np
>>> head = RoutingHead.untrained(("card_arrival", "out_of_scope"), dim=4)
>>> round(float(head.predict_proba(np.zeros((1, 4), np.float32), ["card"]).sum()), 6)
1.0
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelUnavailableError

HEAD_FILE = "routing_head.npz"
CARD_FILE = "routing_head.md"
EPS = 1e-4
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
CONF_FEATURES = ("top_prob", "margin", "log_head", "p_oos", "dense_q", "dense_s", "bm25")


# --------------------------------------------------------------------------------------------------- features


def _bucket(token: str, buckets: int) -> int:
    return zlib.crc32(token.encode()) % buckets


def ngram_counts(text: str, word_buckets: int, char_buckets: int) -> tuple[dict[int, int], dict[int, int]]:
    """Hashed word uni/bigram counts and hashed character 2-4-gram counts (within words) of ``text``."""
    words = _WORD.findall(text.lower())
    wc: dict[int, int] = {}
    cc: dict[int, int] = {}
    if word_buckets:
        grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
        for g in grams:
            j = _bucket("w" + g, word_buckets)
            wc[j] = wc.get(j, 0) + 1
    if char_buckets:
        for w in words:
            padded = f" {w} "
            for n in (2, 3, 4):
                for i in range(len(padded) - n + 1):
                    j = _bucket("c" + padded[i : i + n], char_buckets)
                    cc[j] = cc.get(j, 0) + 1
    return wc, cc


def _tfidf_block(counts: dict[int, int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    cols = np.fromiter(counts.keys(), dtype=np.int64)
    vals = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32))) * idf[cols]
    norm = float(np.linalg.norm(vals))
    return cols, (vals / norm if norm else vals).astype(np.float32)


@dataclass
class FeatureSpec:
    """How a (vector, text) pair becomes the head's input: ``[emb_scale * vector, word, char tf-idf]``."""

    dim: int
    emb_scale: float = 2.0
    word_buckets: int = 0
    char_buckets: int = 0
    idf_word: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    idf_char: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    @property
    def width(self) -> int:
        return self.dim + self.word_buckets + self.char_buckets

    def fit_idf(self, texts: Sequence[str]) -> None:
        """Smoothed idf (as scikit-learn's) of the hashed n-grams over ``texts``."""
        dfw = np.zeros(self.word_buckets, dtype=np.float64)
        dfc = np.zeros(self.char_buckets, dtype=np.float64)
        for text in texts:
            wc, cc = ngram_counts(text, self.word_buckets, self.char_buckets)
            dfw[list(wc)] += 1
            dfc[list(cc)] += 1
        n = len(texts)
        self.idf_word = (np.log((1 + n) / (1 + dfw)) + 1).astype(np.float32)
        self.idf_char = (np.log((1 + n) / (1 + dfc)) + 1).astype(np.float32)

    def sparse_rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, col, value) triplets of the n-gram part, columns offset by ``dim``."""
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for r, text in enumerate(texts):
            wc, cc = ngram_counts(text, self.word_buckets, self.char_buckets)
            for counts, idf, offset in (
                (wc, self.idf_word, self.dim),
                (cc, self.idf_char, self.dim + self.word_buckets),
            ):
                c, v = _tfidf_block(counts, idf)
                rows.append(np.full(len(c), r, dtype=np.int64))
                cols.append(c + offset)
                vals.append(v)
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)

    def dense(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Dense feature matrix (use for a handful of rows, e.g. one message)."""
        out = np.zeros((len(texts), self.width), dtype=np.float32)
        out[:, : self.dim] = self.emb_scale * np.asarray(vectors, dtype=np.float32)
        r, c, v = self.sparse_rows(texts)
        np.add.at(out, (r, c), v)
        return out


# ------------------------------------------------------------------------------------------------------ head


class RoutingHead:
    """The trained routing model: intent head weights, fusion weights and confidence calibration (numpy only).

    >>> import numpy as np
    >>> head = RoutingHead.untrained(("card_arrival", "out_of_scope"), dim=4)
    >>> head.predict_proba(np.ones((1, 4), np.float32) / 2, ["where is my card"]).shape
    (1, 2)
    """

    def __init__(
        self,
        classes: Sequence[str],
        spec: FeatureSpec,
        weight: np.ndarray,
        bias: np.ndarray,
        fusion: dict[str, float],
        calib_coef: np.ndarray,
        calib_bias: float,
        calib_mean: np.ndarray,
        calib_std: np.ndarray,
        meta: dict[str, Any] | None = None,
        mlp: dict[str, np.ndarray] | None = None,
        mlp_weight: float = 0.5,
        tuned: dict[str, np.ndarray] | None = None,
        tuned_weight: float = 0.5,
        tuned_scale: float = 20.0,
    ) -> None:
        self.classes = tuple(classes)
        self.spec = spec
        self.weight = np.asarray(weight, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.fusion = dict(fusion)
        self.calib_coef = np.asarray(calib_coef, dtype=np.float64)
        self.calib_bias = float(calib_bias)
        self.calib_mean = np.asarray(calib_mean, dtype=np.float64)
        self.calib_std = np.asarray(calib_std, dtype=np.float64)
        self.meta = dict(meta or {})
        self.mlp = {k: np.asarray(v, dtype=np.float32) for k, v in mlp.items()} if mlp else None
        self.mlp_weight = float(mlp_weight) if mlp else 0.0
        self.tuned = {k: np.asarray(v, dtype=np.float32) for k, v in tuned.items()} if tuned else None
        self.tuned_weight = float(tuned_weight) if tuned else 0.0
        self.tuned_scale = float(tuned_scale)

    @classmethod
    def untrained(cls, classes: Sequence[str], dim: int) -> RoutingHead:
        """A uniform head with default fusion and calibration (used before ``attune train routing``)."""
        n = len(CONF_FEATURES)
        return cls(
            classes, FeatureSpec(dim=dim), np.zeros((dim, len(classes)), np.float32), np.zeros(len(classes),
            np.float32), {"a_q": 4.0, "a_s": 2.0, "b": 1.0, "head": 0.0}, np.array([0, 0, 0, 0, 6.0, 3.0, 0]),
            -4.5, np.zeros(n), np.ones(n), {"trained": False},
        )  # fmt: skip

    def logits(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if vectors.shape[1] != self.spec.dim:
            raise ModelUnavailableError(
                f"routing head expects {self.spec.dim}-d vectors, got {vectors.shape[1]}: retrain with this encoder"
            )
        out = (self.spec.emb_scale * vectors) @ self.weight[: self.spec.dim] + self.bias
        if self.spec.word_buckets or self.spec.char_buckets:
            r, c, v = self.spec.sparse_rows(texts)
            np.add.at(out, r, v[:, None] * self.weight[c])
        return out

    def mlp_logits(self, vectors: np.ndarray) -> np.ndarray:
        """The MLP branch (embedding -> GELU hidden layer -> classes); requires ``self.mlp``."""
        assert self.mlp is not None
        hidden = np.atleast_2d(np.asarray(vectors, dtype=np.float32)) @ self.mlp["w1"] + self.mlp["b1"]
        hidden = 0.5 * hidden * (1.0 + np.tanh(0.7978845608 * (hidden + 0.044715 * hidden**3)))  # GELU (tanh)
        return np.asarray(hidden @ self.mlp["w2"] + self.mlp["b2"])

    def tuned_logits(self, routing_vectors: np.ndarray) -> np.ndarray:
        """The tuned branch: a cosine classifier on the routing adapter's view; requires ``self.tuned``."""
        assert self.tuned is not None
        v = np.atleast_2d(np.asarray(routing_vectors, dtype=np.float32))
        return np.asarray(self.tuned_scale * (v @ self.tuned["weight"] + self.tuned["bias"]))

    def predict_proba(
        self, vectors: np.ndarray, texts: Sequence[str], routing_vectors: np.ndarray | None = None
    ) -> np.ndarray:
        """Class probabilities: the linear head's softmax, averaged with the MLP branch's when there is one,
        then with the tuned branch's (weight ``tuned_weight``) when the routing adapter's view is given."""
        probs = softmax(self.logits(vectors, texts))
        if self.mlp is not None and self.mlp_weight > 0:
            probs = (1 - self.mlp_weight) * probs + self.mlp_weight * softmax(self.mlp_logits(vectors))
        if self.tuned is not None and self.tuned_weight > 0 and routing_vectors is not None:
            probs = (1 - self.tuned_weight) * probs + self.tuned_weight * softmax(self.tuned_logits(routing_vectors))
        return probs

    def calibrate(self, features: np.ndarray) -> np.ndarray:
        """P(top article is right) from confidence features (rows of :data:`CONF_FEATURES`)."""
        z = ((np.atleast_2d(features) - self.calib_mean) / self.calib_std) @ self.calib_coef + self.calib_bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            classes=np.array(self.classes),
            weight=self.weight.astype(np.float16),
            bias=self.bias.astype(np.float32),
            idf_word=self.spec.idf_word.astype(np.float16),
            idf_char=self.spec.idf_char.astype(np.float16),
            calib_coef=self.calib_coef,
            calib_mean=self.calib_mean,
            calib_std=self.calib_std,
            **{f"mlp_{k}": v.astype(np.float16) for k, v in (self.mlp or {}).items()},  # type: ignore[arg-type]
            **{f"tuned_{k}": v.astype(np.float32) for k, v in (self.tuned or {}).items()},  # type: ignore[arg-type]
            config=np.array(
                json.dumps(
                    {
                        "dim": self.spec.dim,
                        "emb_scale": self.spec.emb_scale,
                        "word_buckets": self.spec.word_buckets,
                        "char_buckets": self.spec.char_buckets,
                        "fusion": self.fusion,
                        "calib_bias": self.calib_bias,
                        "mlp_weight": self.mlp_weight,
                        "tuned_weight": self.tuned_weight,
                        "tuned_scale": self.tuned_scale,
                        "meta": self.meta,
                    }
                )
            ),
        )

    @classmethod
    def load(cls, path: Path) -> RoutingHead:
        """Load weights saved by :meth:`save` (numpy only, no pickle)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                config = json.loads(str(data["config"]))
                spec = FeatureSpec(
                    dim=int(config["dim"]),
                    emb_scale=float(config["emb_scale"]),
                    word_buckets=int(config["word_buckets"]),
                    char_buckets=int(config["char_buckets"]),
                    idf_word=data["idf_word"].astype(np.float32),
                    idf_char=data["idf_char"].astype(np.float32),
                )
                return cls(
                    [str(c) for c in data["classes"]], spec, data["weight"].astype(np.float32), data["bias"],
                    config["fusion"], data["calib_coef"], config["calib_bias"], data["calib_mean"],
                    data["calib_std"], config.get("meta", {}),
                    mlp={k[4:]: data[k] for k in data.files if k.startswith("mlp_")} or None,
                    mlp_weight=float(config.get("mlp_weight", 0.0)),
                    tuned={k[6:]: data[k] for k in data.files if k.startswith("tuned_")} or None,
                    tuned_weight=float(config.get("tuned_weight", 0.0)),
                    tuned_scale=float(config.get("tuned_scale", 20.0)),
                )  # fmt: skip
        except (OSError, KeyError, ValueError) as exc:
            raise ModelUnavailableError(f"cannot load routing head {path}: {exc}") from exc


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
