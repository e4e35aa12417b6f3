"""Routing: which article answers a query, and how sure we are (inference only; training is in
``assistant.training.routing.train``).

Three signals per article, all computed from one encoder pass and the message text:

* intent probabilities (softmax over the 77 BANKING77 intents, the extra intents and ``out_of_scope``):
  a linear head on the frozen MiniLM embedding plus hashed word/character n-grams, averaged with an MLP on
  the same embedding and with a cosine classifier on ``Encoded.routing_vector`` (the pass finished by the
  routing adapter's fine-tuned top layers); an article's head score is its best intent's probability;
* dense similarity: the best cosine between the query and the article's example questions, and between the
  query and its title/sections;
* BM25 over the article's text (title, questions, sections, glossary).

They are fused linearly (``log head + a_q dense_q + a_s dense_s + b bm25``) and the top article's confidence
is a logistic calibration of a few features of that ranking, fitted on out-of-fold predictions, so
``Retrieval.confidence`` is a probability that the top article is right (out-of-scope queries count as wrong).

``assistant.training.routing.train.train_routing`` (``attune train routing``) fits everything reproducibly and
writes ``assistant/artifacts/routing_head.npz``, ``routing_adapter.npz`` and a model card.

>>> head = RoutingHead.load(Settings().artifacts_dir / "routing_head.npz")  # doctest: +SKIP
>>> head.classes[-1]  # doctest: +SKIP
'out_of_scope'
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelUnavailableError
from assistant.integrations.bm25 import Bm25Index
from assistant.integrations.encoder import LayeredEncoder, TextEncoder
from assistant.integrations.layer_adapter import ADAPTER_FILE, LayerAdapter
from assistant.kb.loader import KnowledgeBase
from assistant.settings import Settings

logger = logging.getLogger(__name__)

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


# ---------------------------------------------------------------------------------------- article scoring


@dataclass(frozen=True)
class ArticleTable:
    """Per-article lookups shared by training, evaluation and the retriever."""

    ids: tuple[str, ...]
    intent_matrix: np.ndarray  # (articles, classes) 1 where the article declares the class's intent
    bm25: Bm25Index

    @classmethod
    def build(cls, kb: KnowledgeBase, classes: Sequence[str]) -> ArticleTable:
        col = {c: i for i, c in enumerate(classes)}
        matrix = np.zeros((len(kb.articles), len(classes)), dtype=np.float32)
        for a, article in enumerate(kb.articles):
            for intent in article.meta.intents:
                if intent in col:
                    matrix[a, col[intent]] = 1.0
        return cls(kb.ids, matrix, Bm25Index([bm25_text(kb, a) for a in kb.articles]))


def bm25_text(kb: KnowledgeBase, article: Any) -> str:
    """An article's whole text for BM25: title, example questions, sections and glossary (facts filled in)."""
    parts = [article.title, *article.meta.questions] + [text for _, text in kb.rendered_sections(article)]
    return "\n".join(parts)


@dataclass(frozen=True)
class ArticleSignals:
    """The raw per-article signals for one query."""

    head: np.ndarray  # (A,) best intent probability per article
    dense_q: np.ndarray  # (A,) best cosine to an example question
    dense_s: np.ndarray  # (A,) best cosine to the title or a section
    bm25: np.ndarray  # (A,) BM25 score, divided by the best article's score (0..1)
    bm25_max: float
    p_oos: float


def article_signals(
    probs: np.ndarray | None,
    table: ArticleTable,
    dense_q: np.ndarray,
    dense_s: np.ndarray,
    text: str,
    oos_col: int,
) -> ArticleSignals:
    if probs is None:
        head = np.zeros(len(table.ids), dtype=np.float32)
        p_oos = 0.0
    else:
        head = (table.intent_matrix * probs[None, :]).max(axis=1)
        p_oos = float(probs[oos_col]) if oos_col >= 0 else 0.0
    raw = table.bm25.scores(text)
    top = float(raw.max()) if raw.size else 0.0
    return ArticleSignals(head, dense_q, dense_s, raw / top if top > 0 else raw, top, p_oos)


def fuse(sig: ArticleSignals, fusion: dict[str, float]) -> np.ndarray:
    """Fused article scores (higher is better)."""
    score = (
        fusion.get("a_q", 0.0) * sig.dense_q + fusion.get("a_s", 0.0) * sig.dense_s + fusion.get("b", 0.0) * sig.bm25
    )
    if fusion.get("head", 1.0):
        score = score + fusion.get("head", 1.0) * np.log(sig.head + EPS)
    return np.asarray(score, dtype=np.float64)


def confidence_features(sig: ArticleSignals, fused: np.ndarray) -> np.ndarray:
    order = np.argsort(-fused, kind="stable")
    top = int(order[0])
    second = float(fused[order[1]]) if len(order) > 1 else float(fused[top]) - 10.0
    probs = softmax(fused)
    return np.array(
        [
            float(probs[top]),
            float(fused[top]) - second,
            math.log(float(sig.head[top]) + EPS),
            sig.p_oos,
            float(sig.dense_q[top]),
            float(sig.dense_s[top]),
            sig.bm25_max,
        ]
    )


# ----------------------------------------------------------------------------------------------- training


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
    if path is not None and path.is_file():
        return base, np.load(path)

    def routing_view(batch: list[str]) -> list[np.ndarray]:
        tuned = encoder.encode_views(batch, adapter)[1]
        assert tuned is not None
        return list(tuned)

    views = _stack(_in_batches(texts, f"routing view {label}", routing_view), encoder.dimension)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, views)
    return base, views


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
